import { configSchema, type Config } from '../../config/schema.js';
import { DriftwatchError } from '../../errors.js';
import { stderrLogger } from '../../telemetry/log.js';
import { parseCommandArgs, parseMaturityList, requireOption } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { runJob } from '../job.js';
import { formatSummary } from '../summary.js';
import { exitCodeOf, runUntilSignalled } from '../shutdown.js';
import { useColor } from '../../sinks/console.js';

export const replayCommand: Command = {
  name: 'replay',
  summary: 'replay a JSONL event file (or stdin) through the stable detectors (--maturity for more)',
  help: `Usage: driftwatch replay FILE|- --registry FILE [options]

Replays recorded events (JSONL, event contract v1) through the engine and prints the alerts.

Options:
  --registry FILE       agent registry YAML (required)
  --alerts FILE         write the canonical alerts as JSONL to FILE instead of printing them
  --dead-letters FILE   where rejected lines go, with the reason (default: dead-letters.jsonl)
  --detectors DIR       load third-party detectors from DIR (repeatable)
  --maturity LIST       detector maturities to run, comma-separated (default: stable)
  --max-event-bytes N   larger lines are rejected unparsed (default: 1048576)
  --json-summary        print the closing summary as JSON on stderr
  -h, --help            this help

SIGTERM or SIGINT before the end of the input: the batch in flight is finished, the alerts are
flushed, the summary names the last line processed, and the exit code is 128 + the signal's number.

Exit codes: 0 done, 1 runtime failure or alerts a sink did not deliver, 2 usage, 3 invalid registry or
detector, 130/143 stopped by SIGINT/SIGTERM before the end of the input.`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      registry: { type: 'string' },
      alerts: { type: 'string' },
      'dead-letters': { type: 'string' },
      detectors: { type: 'string', multiple: true },
      maturity: { type: 'string' },
      'max-event-bytes': { type: 'string' },
      'json-summary': { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(this.help + '\n');
      return EXIT.OK;
    }
    const input = positionals[0];
    if (input === undefined || positionals.length > 1) {
      io.stderr.write(`driftwatch replay: give one FILE or - for standard input\n\n${this.help}\n`);
      return EXIT.USAGE;
    }
    const maxEventBytes = values['max-event-bytes'];
    if (maxEventBytes !== undefined && !/^[1-9]\d*$/.test(maxEventBytes)) {
      throw new DriftwatchError('DW_USAGE', `--max-event-bytes: "${maxEventBytes}" is not a positive whole number of bytes`);
    }
    const parsed = configSchema.safeParse({
      registry: requireOption(values.registry, '--registry'),
      source: input === '-' ? { type: 'stdin' } : { type: 'file', path: input },
      dead_letter: { path: values['dead-letters'] ?? 'dead-letters.jsonl' },
      max_event_bytes: maxEventBytes === undefined ? undefined : Number(maxEventBytes),
      detectors: {
        directories: values.detectors ?? [],
        maturity: values.maturity === undefined ? ['stable'] : parseMaturityList(values.maturity),
      },
      sinks: values.alerts ? [{ type: 'file', name: 'alerts', path: values.alerts }] : [{ type: 'console' }],
    });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new DriftwatchError('DW_USAGE', `invalid options: ${problems.join('; ')}`);
    }
    const config: Config = parsed.data;
    const { summary, received } = await runUntilSignalled((signal) =>
      runJob(config, { stdin: io.stdin, stdout: io.stdout, logger: stderrLogger('info', (line) => io.stderr.write(line)), signal }),
    );
    io.stderr.write(values['json-summary'] ? JSON.stringify(summary) + '\n' : formatSummary(summary, useColor('auto', io.stderr)));
    if (summary.invalid > 0) io.stderr.write(`  dead letters written to ${config.dead_letter.path}\n`);
    return exitCodeOf(summary, received);
  },
};
