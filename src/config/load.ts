import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { DriftwatchError } from '../errors.js';
import { configSchema, type Config } from './schema.js';
import { formatYamlIssue, parseYaml, type Locate, type YamlIssue } from './yaml.js';

const ENV_REFERENCE = /\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of the config with the environment's
 * value: how secrets (SASL passwords, HEC tokens) reach the config without being written in it.
 */
export function interpolateEnv(
  data: unknown,
  env: NodeJS.ProcessEnv,
  locate: Locate,
  path: PropertyKey[] = [],
  errors: YamlIssue[] = [],
): { data: unknown; errors: YamlIssue[] } {
  const walk = (value: unknown, at: PropertyKey[]): unknown => {
    if (typeof value === 'string') {
      return value.replace(ENV_REFERENCE, (_, name: string, fallback: string | undefined) => {
        const found = env[name];
        if (found !== undefined) return found;
        if (fallback !== undefined) return fallback;
        errors.push(locate(at, `environment variable ${name} is not set`));
        return '';
      });
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...at, index]));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...at, key])]));
    }
    return value;
  };
  return { data: walk(data, path), errors };
}

/**
 * A config read from a file: `locate` says where a field was written, for the errors found after
 * the schema (a detector's options are validated by the detector, once detectors are loaded).
 */
export type LoadedConfig = Config & { readonly locate?: (path: readonly PropertyKey[]) => string };

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): { ok: true; config: LoadedConfig } | { ok: false; errors: YamlIssue[] } {
  const parsed = parseYaml(text, file, configSchema, (data, locate) => interpolateEnv(data, env, locate));
  if (!parsed.ok) return parsed;
  const locate = (path: readonly PropertyKey[]): string => {
    const { line, column } = parsed.locate(path, '');
    return `${file}:${line}:${column}: `;
  };
  return { ok: true, config: { ...parsed.data, locate } };
}

/** Loads a config file; relative paths in it are taken from the file's directory. */
export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DriftwatchError('DW_CONFIG_INVALID', `cannot read config ${path}: ${(error as Error).message}`, { cause: error });
  }
  const result = parseConfig(text, path, env);
  if (!result.ok) {
    throw new DriftwatchError('DW_CONFIG_INVALID', `config ${path} does not validate:\n${result.errors.map(formatYamlIssue).join('\n')}`, {
      details: result.errors,
    });
  }
  return resolvePaths(result.config, dirname(path));
}

function resolvePaths(config: LoadedConfig, base: string): LoadedConfig {
  const at = (path: string) => (path === '-' || isAbsolute(path) ? path : resolve(base, path));
  return {
    ...config,
    registry: at(config.registry),
    source:
      config.source.type === 'file'
        ? { ...config.source, path: at(config.source.path) }
        : config.source.type === 'kafka'
          ? { ...config.source, tls: resolveTlsPaths(config.source.tls, at) }
          : config.source,
    dead_letter: { path: at(config.dead_letter.path) },
    detectors: { ...config.detectors, directories: config.detectors.directories.map(at) },
    sinks: config.sinks.map((sink) => resolveSinkPaths(sink, at)),
  };
}

/** A sink's file paths (its file, rejected-alerts file, TLS files) taken from the config file's directory. */
function resolveSinkPaths(sink: Config['sinks'][number], at: (path: string) => string): Config['sinks'][number] {
  if (sink.type === 'console') return sink;
  const delivery = { ...sink.delivery, rejected_path: at(sink.delivery.rejected_path) };
  const tls = <T extends { ca?: string; cert?: string; key?: string }>(settings: T | undefined) => resolveTlsPaths(settings, at);
  switch (sink.type) {
    case 'file':
      return { ...sink, path: at(sink.path), delivery };
    case 'syslog':
    case 'splunk-hec':
    case 'webhook':
      return { ...sink, tls: tls(sink.tls), delivery };
    case 'kafka':
      return { ...sink, tls: tls(sink.tls), delivery };
  }
}

function resolveTlsPaths<T extends { ca?: string; cert?: string; key?: string }>(settings: T | undefined, at: (path: string) => string): T | undefined {
  return (
    settings && {
      ...settings,
      ...(settings.ca !== undefined ? { ca: at(settings.ca) } : {}),
      ...(settings.cert !== undefined ? { cert: at(settings.cert) } : {}),
      ...(settings.key !== undefined ? { key: at(settings.key) } : {}),
    }
  );
}
