import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatYamlIssue } from '../config/yaml.js';
import { parseRegistry, type Registry } from './registry.js';
import type { Logger } from '../telemetry/log.js';

/**
 * Reloads the registry when its file changes. The directory is watched, not the file, so an
 * editor's write-and-rename is seen too, and so is a Kubernetes ConfigMap update, which swaps a
 * `..data` symlink and never touches a file of the registry's name: any change in the directory
 * re-reads the file, and only a different text is applied. A new file that does not validate is
 * refused with every error and the registry in force stays; so is one whose reload fails in any other way.
 */
export function watchRegistry(path: string, apply: (registry: Registry) => void, logger: Logger, debounceMs = 150): () => void {
  let timer: NodeJS.Timeout | undefined;
  // Read now, synchronously, so a change written right after this call is not taken for the baseline.
  let lastText: string | undefined = readTextOrUndefined(path);
  const refuse = (errors: readonly string[]): void => logger.log('error', 'registry reload refused; keeping the registry in force', { path, errors });
  const reload = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      logger.log('warn', 'registry file unreadable; keeping the registry in force', { path, error: (error as Error).message });
      return;
    }
    if (text === lastText) return;
    lastText = text;
    const result = parseRegistry(text, path);
    if (!result.ok) {
      refuse(result.errors.map(formatYamlIssue));
      return;
    }
    apply(result.registry);
    logger.log('info', 'registry reloaded', { path, agents: result.registry.size });
  };
  // A reload runs from a timer: whatever it throws would be an unhandled rejection that ends the process.
  const reloadSafely = (): void => {
    reload().catch((error: unknown) => refuse([error instanceof Error ? error.message : String(error)]));
  };
  const watcher: FSWatcher = watch(dirname(path), () => {
    clearTimeout(timer);
    timer = setTimeout(reloadSafely, debounceMs);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

function readTextOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
