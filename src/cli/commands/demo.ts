import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../config/schema.js';
import { useColor } from '../../sinks/console.js';
import { stderrLogger } from '../../telemetry/log.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { runJob } from '../job.js';
import { packageRoot } from '../package-root.js';
import { formatSummary } from '../summary.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'replay the embedded demo: eight agents, one day of activity, several violations',
  help: `Usage: driftwatch demo

Replays fixtures/demo/events.jsonl against fixtures/demo/registry.yaml with every stable
detector and prints the alerts as they fire, then the summary. Needs no server.`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {});
    if (values.help) {
      io.stdout.write(this.help + '\n');
      return EXIT.OK;
    }
    const fixtures = join(packageRoot(), 'fixtures', 'demo');
    const deadLetters = join(tmpdir(), `driftwatch-demo-dead-letters-${process.pid}.jsonl`);
    const config = configSchema.parse({
      registry: join(fixtures, 'registry.yaml'),
      source: { type: 'file', path: join(fixtures, 'events.jsonl') },
      dead_letter: { path: deadLetters },
      sinks: [{ type: 'console' }],
    });
    const summary = await runJob(config, { stdin: io.stdin, stdout: io.stdout, logger: stderrLogger('info', (line) => io.stderr.write(line)) });
    io.stdout.write('\n' + formatSummary(summary, useColor('auto', io.stdout)));
    if (summary.invalid > 0) io.stdout.write(`  dead letters written to ${deadLetters}\n`);
    return EXIT.OK;
  },
};
