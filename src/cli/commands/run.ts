import { loadConfig } from '../../config/load.js';
import { stderrLogger } from '../../telemetry/log.js';
import { parseCommandArgs, requireOption } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { buildEngine, runJob } from '../job.js';
import { formatSummary } from '../summary.js';
import { exitCodeOf, runUntilSignalled } from '../shutdown.js';
import { useColor } from '../../sinks/console.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'run the job described by a config file',
  help: `Usage: driftwatch run --config FILE

Runs the source, detectors and sinks of a config file (see docs/config.md). Strings in the config
may use \${ENV_VAR} or \${ENV_VAR:-default}: secrets come from the environment, not the file.
With a Kafka source it runs until SIGTERM or SIGINT, then finishes the batch in flight, flushes
the sinks, checkpoints, commits and leaves the consumer group. A file or standard input runs to
its end; stopped by SIGTERM or SIGINT before, it finishes the batch in flight, flushes the sinks,
says after which line it stopped and exits 128 + the first signal's number (143, 130), or 1 when
a sink did not deliver some alerts.
The registry file is watched and reloaded when it changes; a registry that does not validate is
refused and the one in force stays.

Options:
  --config FILE   the configuration file (required)
  --check         validate the config, the registry it names and the detectors with their
                  settings, print what would run and exit (0 valid, 3 invalid); nothing is
                  connected to, read from a source or written
  -h, --help      this help

Exit codes: 0 done, 1 runtime failure or alerts a sink did not deliver, 2 usage, 3 invalid config,
registry or detector, 130/143 a file or standard input stopped by SIGINT/SIGTERM before its end.`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { config: { type: 'string', short: 'c' }, check: { type: 'boolean' } });
    if (values.help) {
      io.stdout.write(this.help + '\n');
      return EXIT.OK;
    }
    const path = requireOption(values.config, '--config');
    const config = await loadConfig(path, io.env);
    if (values.check) {
      // The checks the job makes before it starts, without starting: invalid input throws (exit 3).
      const engine = await buildEngine(config, stderrLogger('info', (line) => io.stderr.write(line)));
      const source =
        config.source.type === 'kafka' ? `kafka ${config.source.topics.join(', ')} (group ${config.source.group})` : config.source.type === 'file' ? `file ${config.source.path}` : 'standard input';
      io.stdout.write(
        `${path}: valid: source ${source}, registry ${config.registry} (${engine.currentRegistry.size} agents), ` +
          `${engine.detectors.length} detectors, sinks ${config.sinks.map((sink) => sink.name).join(', ')}\n`,
      );
      return EXIT.OK;
    }
    const { summary, received } = await runUntilSignalled((signal) =>
      runJob(config, { stdin: io.stdin, stdout: io.stdout, logger: stderrLogger('info', (line) => io.stderr.write(line)), watch: true, signal }),
    );
    io.stderr.write(formatSummary(summary, useColor('auto', io.stderr)));
    return exitCodeOf(summary, received);
  },
};
