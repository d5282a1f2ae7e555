import { loadConfig } from '../../config/load.js';
import { stderrLogger } from '../../telemetry/log.js';
import { parseCommandArgs, requireOption } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { buildEngine, checkFiles, runJob } from '../job.js';
import { kafkaClient } from '../../kafka/client.js';
import { createConfiguredSinks } from '../../sinks/create.js';
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
  --check         validate the config, the registry it names, the detectors with their
                  settings, the TLS files and whether the event file can be read and the
                  output files written; print what would run and exit (0 valid, 3 invalid, 1
                  a file that cannot be read or written); nothing is connected to or written
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
      // The checks the job makes before it starts, without starting: invalid input throws (exit 3, a file that cannot be written 1).
      const logger = stderrLogger('info', (line) => io.stderr.write(line));
      await checkFiles(config, { makeNothing: true });
      const engine = await buildEngine(config, logger);
      // Made and closed unused: they read their TLS files (the source's client too), and connect only to deliver.
      if (config.source.type === 'kafka') kafkaClient(config.source, logger);
      await Promise.all(createConfiguredSinks(config, io.stdout, logger).map((sink) => sink.close()));
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
