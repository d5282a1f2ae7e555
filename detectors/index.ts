import type { AnyDetector } from '../src/sdk/index.js';

/** The built-in detectors, in the order they run. */
export const BUILTIN_DETECTORS: readonly AnyDetector[] = [];
