import type { Writable } from 'node:stream';
import type { Config } from '../config/schema.js';
import { ConsoleSink } from './console.js';
import { JsonLinesAlertSink } from './file.js';
import type { AlertSink } from './sink.js';

export function createSinks(configs: Config['sinks'], stdout: Writable): AlertSink[] {
  return configs.map((config) => {
    switch (config.type) {
      case 'console':
        return new ConsoleSink(config.name, stdout, config.color);
      case 'file':
        return new JsonLinesAlertSink(config.name, config.path);
    }
  });
}
