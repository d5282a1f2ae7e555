/**
 * Who produced an alert, as every SIEM format names it. The version is the package version;
 * test/unit/sinks/formats/product.test.ts keeps the two in step.
 */
export const PRODUCT = {
  name: 'driftwatch',
  vendor: 'driftwatch',
  version: '0.1.0',
} as const;
