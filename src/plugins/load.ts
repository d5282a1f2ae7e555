import { readdir } from 'node:fs/promises';
import { register } from 'node:module';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_DETECTORS } from '../../detectors/index.js';
import { DriftwatchError } from '../errors.js';
import { checkDefinition, type AnyDetector } from '../sdk/detector.js';

const PLUGIN_EXTENSIONS = new Set(['.js', '.mjs', '.ts', '.mts']);
/** Refused, not skipped: a detector file that is silently not loaded is a detection silently missing. */
const COMMONJS_EXTENSIONS = new Set(['.cjs', '.cts']);
/** The file each plugin definition was loaded from, for errors (built-ins have none). */
const origins = new WeakMap<AnyDetector, string>();

/**
 * An import error for one line: its first lines joined (a compiler's message puts the file, line
 * and column of a syntax error on its second line), without the stack Node adds after them.
 */
function loadFailure(message: string): string {
  const lines = message.split(/\nRequire stack:/)[0]!.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('at '));
  return lines.slice(0, 3).join(' ').slice(0, 500);
}

/** Module resolution hook (run by Node in its loader thread): `driftwatch/sdk` is this installation's SDK. */
const SDK_RESOLVE_HOOK = `
let sdk;
export function initialize(data) { sdk = data.sdk; }
export async function resolve(specifier, context, next) {
  return specifier === 'driftwatch/sdk' ? { url: sdk, shortCircuit: true } : next(specifier, context);
}`;
let sdkResolvable = false;

/**
 * A plugin directory is usually not inside a project that depends on driftwatch (a folder mounted
 * into the image, a detection engineer's checkout), where Node could not resolve the documented
 * `import … from 'driftwatch/sdk'`. It resolves to the SDK of the driftwatch that loads it.
 */
function makeSdkResolvable(): void {
  if (sdkResolvable) return;
  sdkResolvable = true;
  let sdk: string;
  try {
    sdk = import.meta.resolve('driftwatch/sdk'); // the package resolving its own export
  } catch {
    return; // not running from the package (a bundler or test runner): plugins import the SDK by path
  }
  register(`data:text/javascript,${encodeURIComponent(SDK_RESOLVE_HOOK)}`, { data: { sdk } });
}

async function importModule(path: string): Promise<Record<string, unknown>> {
  makeSdkResolvable();
  const url = pathToFileURL(path).href;
  const extension = extname(path);
  if (extension === '.ts' || extension === '.mts') {
    // TypeScript plugins are compiled on load, so a detection engineer ships one .ts file.
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(url)) as Record<string, unknown>;
}

/**
 * The definition a plugin module exports: its default export, or a single exported definition.
 * A .ts file outside an ESM package is compiled as CommonJS, whose default export arrives wrapped.
 */
function definitionOf(loaded: Record<string, unknown>, path: string): AnyDetector {
  const wrapped = loaded.default as { __esModule?: boolean } | undefined;
  const module = wrapped?.__esModule ? (wrapped as Record<string, unknown>) : loaded;
  const candidates = module.default !== undefined ? [module.default] : Object.values(module).filter((value) => value !== true);
  const valid = candidates.filter((candidate) => checkDefinition(candidate).length === 0);
  if (valid.length === 1) return valid[0] as AnyDetector;
  const problems = candidates.length === 0 ? ['exports nothing'] : checkDefinition(candidates[0]);
  throw new DriftwatchError(
    'DW_DETECTOR_INVALID',
    `${path}: ${valid.length > 1 ? 'exports more than one detector definition' : `not a detector definition: ${problems.join('; ')}`}`,
  );
}

/** Loads every detector module (.js, .mjs, .ts, .mts) in a directory, skipping tests. */
export async function loadDetectorDirectory(directory: string): Promise<AnyDetector[]> {
  const absolute = resolve(directory);
  let entries: string[];
  try {
    entries = await readdir(absolute);
  } catch (error) {
    throw new DriftwatchError('DW_DETECTOR_INVALID', `cannot read detector directory ${absolute}: ${(error as Error).message}`, { cause: error });
  }
  const commonJs = entries.filter((name) => COMMONJS_EXTENSIONS.has(extname(name)) && !name.startsWith('.'));
  if (commonJs.length > 0) {
    throw new DriftwatchError('DW_DETECTOR_INVALID', `${join(absolute, commonJs[0]!)}: CommonJS plugins are not loaded: write the detector as an ES module (.mjs, .mts, or .js/.ts beside a package.json with {"type": "module"})`);
  }
  const files = entries
    .filter((name) => PLUGIN_EXTENSIONS.has(extname(name)) && !/\.(test|spec|d)\.[mc]?[jt]s$/.test(name))
    .sort();
  const detectors: AnyDetector[] = [];
  for (const file of files) {
    const path = join(absolute, file);
    let module: Record<string, unknown>;
    try {
      module = await importModule(path);
    } catch (error) {
      const message = (error as Error).message;
      // A .ts/.js file outside a {"type":"module"} folder is loaded as CommonJS, which the SDK resolve hook does not reach.
      const hint = /Cannot find (?:module|package) ['"]driftwatch/.test(message) && /\.[jt]s$/.test(path) ? ` (put a package.json with {"type": "module"} in ${absolute}, or name the file .mts/.mjs)` : '';
      throw new DriftwatchError('DW_DETECTOR_INVALID', `${path}: cannot be loaded: ${loadFailure(message)}${hint}`, { cause: error });
    }
    const detector = definitionOf(module, path);
    origins.set(detector, path);
    detectors.push(detector);
  }
  return detectors;
}

/** The built-in detectors followed by those of the given plugin directories; ids must be unique. */
export async function loadDetectors(directories: readonly string[] = []): Promise<AnyDetector[]> {
  const all: AnyDetector[] = [...BUILTIN_DETECTORS];
  // The same directory named twice (in the config and on the command line) is loaded once.
  for (const directory of new Set(directories.map((directory) => resolve(directory)))) all.push(...(await loadDetectorDirectory(directory)));
  const seen = new Map<string, AnyDetector>();
  for (const detector of all) {
    const first = seen.get(detector.id);
    if (first !== undefined) {
      const where = (d: AnyDetector) => origins.get(d) ?? 'the built-in detector';
      throw new DriftwatchError('DW_DETECTOR_INVALID', `two detectors have the id "${detector.id}": ${where(first)} and ${where(detector)}`);
    }
    seen.set(detector.id, detector);
  }
  return all;
}
