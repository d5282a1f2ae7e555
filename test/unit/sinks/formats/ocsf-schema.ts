// A validator for OCSF events against the published schema files shipped in test/fixtures/ocsf
// (see its README). It resolves classes and objects the way the OCSF schema compiler does and checks
// required attributes, attributes the definitions do not have, deprecated attributes, profile-only
// attributes, data types (with their regexes), enum values, sibling captions and object constraints.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/ocsf');

interface RawAttribute {
  type?: string;
  is_array?: boolean;
  requirement?: string;
  enum?: Record<string, { caption: string }>;
  sibling?: string;
  profile?: string | null;
  '@deprecated'?: unknown;
  [key: string]: unknown;
}

interface RawDefinition {
  name: string;
  uid?: number;
  category?: string;
  extends?: string;
  attributes: Record<string, RawAttribute | string[]>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}

const UNSHIPPED = '(no dictionary entry shipped)';

export interface Attribute {
  readonly name: string;
  readonly type: string;
  readonly isArray: boolean;
  readonly requirement: string;
  readonly enum?: Readonly<Record<string, { caption: string }>>;
  readonly sibling?: string;
  readonly profile?: string;
  readonly deprecated: boolean;
}

export interface Resolved {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, Attribute>;
  readonly constraints: { at_least_one?: string[]; just_one?: string[] };
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as T;
}

const dictionary = readJson<{ attributes: Record<string, RawAttribute>; types: { attributes: Record<string, { type?: string; regex?: string }> } }>('dictionary.json');
const categories = readJson<{ attributes: Record<string, { uid: number; caption: string }> }>('categories.json');
const EVENT_FILES: Record<string, string> = {
  base_event: 'events/base_event.json',
  finding: 'events/findings/finding.json',
  detection_finding: 'events/findings/detection_finding.json',
};

function loadEvent(name: string): RawDefinition {
  const file = EVENT_FILES[name];
  if (!file) throw new Error(`event class not shipped: ${name}`);
  return readJson<RawDefinition>(file);
}

function loadObject(name: string): RawDefinition | undefined {
  try {
    return readJson<RawDefinition>(`objects/${name}.json`);
  } catch {
    return undefined;
  }
}

/** Attribute definitions merged key by key; enums are united (what the compiler does). */
function mergeAttribute(base: RawAttribute, over: RawAttribute): RawAttribute {
  const merged: RawAttribute = { ...base, ...over };
  if (base.enum || over.enum) merged.enum = { ...(base.enum ?? {}), ...(over.enum ?? {}) };
  return merged;
}

function chain(def: RawDefinition, load: (name: string) => RawDefinition | undefined): RawDefinition[] {
  const out = [def];
  let current = def;
  while (current.extends) {
    const parent = load(current.extends);
    if (!parent) throw new Error(`${current.name} extends ${current.extends}, which is not shipped`);
    out.unshift(parent);
    current = parent;
  }
  return out;
}

function resolve(def: RawDefinition, load: (name: string) => RawDefinition | undefined): Resolved {
  const raw = new Map<string, RawAttribute>();
  let constraints: Resolved['constraints'] = {};
  for (const level of chain(def, load)) {
    for (const [name, attr] of Object.entries(level.attributes)) {
      if (name === '$include') continue; // profiles are not shipped: their attributes stay undefined
      raw.set(name, mergeAttribute(raw.get(name) ?? {}, attr as RawAttribute));
    }
    if (level.constraints) constraints = level.constraints;
  }
  const attributes = new Map<string, Attribute>();
  for (const [name, attr] of raw) {
    // An attribute nobody emits needs no dictionary entry here; using one without its entry is an error.
    const entry = dictionary.attributes[name];
    const full = mergeAttribute(entry ?? {}, attr);
    attributes.set(name, {
      name,
      type: entry ? full.type ?? 'string_t' : UNSHIPPED,
      isArray: full.is_array === true,
      requirement: full.requirement ?? 'optional',
      enum: full.enum,
      sibling: full.sibling,
      profile: typeof full.profile === 'string' ? full.profile : undefined,
      deprecated: full['@deprecated'] !== undefined,
    });
  }
  return { name: def.name, attributes, constraints };
}

const objectCache = new Map<string, Resolved>();
export function resolveObject(name: string): Resolved | undefined {
  const cached = objectCache.get(name);
  if (cached) return cached;
  const def = loadObject(name);
  if (!def) return undefined;
  const resolved = resolve(def, loadObject);
  objectCache.set(name, resolved);
  return resolved;
}

export function resolveClass(name: string): Resolved & { classUid: number; categoryUid: number; categoryName: string } {
  const def = loadEvent(name);
  const resolved = resolve(def, (n) => loadEvent(n));
  const categoryKey = chain(def, loadEvent).map((d) => d.category).filter((c): c is string => !!c && c !== 'other').pop();
  const category = categoryKey ? categories.attributes[categoryKey] : undefined;
  if (!category || def.uid === undefined) throw new Error(`${name}: no category or uid`);
  const classUid = category.uid * 1000 + def.uid;
  const caption = (def as RawDefinition & { caption: string }).caption;
  // The compiler gives class_uid, category_uid and type_uid the enums of this class.
  const attributes = new Map(resolved.attributes);
  const withEnum = (attr: string, values: Record<string, { caption: string }>): void => {
    const a = attributes.get(attr);
    if (a) attributes.set(attr, { ...a, enum: values });
  };
  withEnum('class_uid', { [classUid]: { caption } });
  withEnum('category_uid', { [category.uid]: { caption: category.caption } });
  const activities = attributes.get('activity_id')?.enum ?? {};
  withEnum('type_uid', Object.fromEntries(Object.entries(activities).map(([id, a]) => [
    String(classUid * 100 + Number(id)), { caption: `${caption}: ${a.caption}` },
  ])));
  return { ...resolved, attributes, classUid, categoryUid: category.uid, categoryName: category.caption };
}

function baseType(type: string): { base: string; regexes: RegExp[] } {
  const regexes: RegExp[] = [];
  let current = type;
  for (let i = 0; i < 5; i += 1) {
    const t = dictionary.types.attributes[current];
    if (!t) break;
    if (t.regex) regexes.push(new RegExp(t.regex));
    if (!t.type) break;
    current = t.type;
  }
  return { base: current, regexes };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkScalar(attr: Attribute, value: unknown, path: string, errors: string[]): void {
  const { base, regexes } = baseType(attr.type);
  const wrong = (what: string): void => { errors.push(`${path}: expected ${what} (${attr.type}), got ${JSON.stringify(value)}`); };
  switch (base) {
    case 'string_t':
      if (typeof value !== 'string') return wrong('a string');
      for (const re of regexes) if (!re.test(value)) errors.push(`${path}: ${JSON.stringify(value)} does not match ${attr.type}`);
      return;
    case 'integer_t':
      if (!Number.isInteger(value) || (value as number) < -(2 ** 31) || (value as number) >= 2 ** 31) return wrong('a 32-bit integer');
      return;
    case 'long_t':
      if (!Number.isSafeInteger(value)) return wrong('an integer');
      return;
    case 'float_t':
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrong('a number');
      return;
    case 'boolean_t':
      if (typeof value !== 'boolean') return wrong('a boolean');
      return;
    case 'json_t':
      return;
    default:
      errors.push(`${path}: unknown data type ${attr.type}`);
  }
}

export interface ValidationContext {
  readonly profiles: readonly string[];
}

function checkValue(attr: Attribute, value: unknown, path: string, ctx: ValidationContext, errors: string[]): void {
  if (value === null || value === undefined) {
    errors.push(`${path}: null or undefined`);
    return;
  }
  if (attr.type === UNSHIPPED) {
    errors.push(`${path}: ${UNSHIPPED}`);
    return;
  }
  if (attr.type === 'object') {
    if (!isPlainObject(value)) errors.push(`${path}: expected an object`);
    return;
  }
  const object = attr.type.endsWith('_t') ? undefined : resolveObject(attr.type);
  if (!attr.type.endsWith('_t') && !object) {
    errors.push(`${path}: object type ${attr.type} is not in the shipped schema`);
    return;
  }
  if (object) {
    if (!isPlainObject(value)) errors.push(`${path}: expected a ${attr.type} object`);
    else validateObject(object, value, path, ctx, errors);
    return;
  }
  checkScalar(attr, value, path, errors);
  if (attr.enum && !Object.hasOwn(attr.enum, String(value))) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${Object.keys(attr.enum).join(', ')}`);
  }
}

export function validateObject(def: Resolved, value: Record<string, unknown>, path: string, ctx: ValidationContext, errors: string[], top = false): void {
  for (const [key, v] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    const attr = def.attributes.get(key);
    if (!attr) {
      errors.push(`${here}: not an attribute of ${def.name}`);
      continue;
    }
    if (attr.deprecated) errors.push(`${here}: deprecated`);
    if (attr.profile && !ctx.profiles.includes(attr.profile)) errors.push(`${here}: needs profile ${attr.profile}`);
    if (top && key === 'unmapped') {
      if (!isPlainObject(v)) errors.push(`${here}: expected an object`);
      continue;
    }
    if (attr.isArray) {
      if (!Array.isArray(v)) errors.push(`${here}: expected an array`);
      else v.forEach((item, i) => checkValue(attr, item, `${here}[${i}]`, ctx, errors));
    } else {
      checkValue(attr, v, here, ctx, errors);
    }
    if (attr.sibling && attr.enum && value[attr.sibling] !== undefined && String(v) !== '99') {
      const caption = attr.enum[String(v)]?.caption;
      if (caption !== undefined && value[attr.sibling] !== caption) {
        errors.push(`${path ? `${path}.` : ''}${attr.sibling}: ${JSON.stringify(value[attr.sibling])} is not the caption of ${key} ${String(v)} (${caption})`);
      }
    }
  }
  for (const attr of def.attributes.values()) {
    if (attr.requirement === 'required' && (value[attr.name] === undefined || value[attr.name] === null)) {
      errors.push(`${path ? `${path}.` : ''}${attr.name}: required by ${def.name}`);
    }
  }
  const present = (names: readonly string[]): number => names.filter((n) => value[n] !== undefined).length;
  if (def.constraints.at_least_one && present(def.constraints.at_least_one) === 0) {
    errors.push(`${path || def.name}: needs at least one of ${def.constraints.at_least_one.join(', ')}`);
  }
  if (def.constraints.just_one && present(def.constraints.just_one) !== 1) {
    errors.push(`${path || def.name}: needs exactly one of ${def.constraints.just_one.join(', ')}`);
  }
}

/** Every problem of `event` as an instance of the event class `className`; empty when it is valid. */
export function validateEvent(className: string, event: unknown): string[] {
  const errors: string[] = [];
  if (!isPlainObject(event)) return ['event: not an object'];
  const cls = resolveClass(className);
  const metadata = event.metadata;
  const profiles = isPlainObject(metadata) && Array.isArray(metadata.profiles) ? (metadata.profiles as string[]) : [];
  validateObject(cls, event, '', { profiles }, errors, true);
  if (event.class_uid !== cls.classUid) errors.push(`class_uid: ${String(event.class_uid)}, expected ${cls.classUid}`);
  if (event.category_uid !== cls.categoryUid) errors.push(`category_uid: ${String(event.category_uid)}, expected ${cls.categoryUid}`);
  if (typeof event.activity_id === 'number' && event.type_uid !== cls.classUid * 100 + event.activity_id) {
    errors.push(`type_uid: ${String(event.type_uid)}, expected ${cls.classUid * 100 + event.activity_id}`);
  }
  return errors;
}
