import { loadConfig } from '../../config/load.js';
import { DriftwatchError } from '../../errors.js';
import { checkTargets, evaluate, type Targets } from '../../eval/match.js';
import { formatReport, readLabels } from '../../eval/report.js';
import { runEvaluationPipeline } from '../../eval/run.js';
import { checkReadable } from '../../sources/file.js';
import { parseDuration } from '../../registry/duration.js';
import { stderrLogger } from '../../telemetry/log.js';
import { parseCommandArgs, parseMaturityList, requireOption } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

function fraction(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) throw new DriftwatchError('DW_USAGE', `${flag} must be a non-negative number, not "${value}"`);
  return number;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'replay labelled events (from simulate) through the detectors and score recall, precision and false alerts',
  help: `Usage: driftwatch eval --events FILE --registry FILE --labels FILE [options]

Runs the events through the engine in-process (every stable and incubating detector by default),
keeps the alerts in memory and scores them against the labels written by driftwatch simulate.

A scenario is detected when an alert names its agent inside its time range. Reported per scenario
class: count, detected, recall, median time to detect (first matching alert's event time minus the
scenario's start) and the detectors that alerted. Overall: precision (alerts inside an attack
scenario's window on its agent or an agent it involves / all alerts), false alerts (every other
alert, benign drift included) per agent-day (registered agents × days), the detectors and agents
with the most false alerts, and the alerts on benign drift.

Options:
  --events FILE                     JSONL events (required)
  --registry FILE                   agent registry YAML (required)
  --labels FILE                     labels.json (required)
  --json                            print the report as JSON on stdout
  --grace DURATION                  alerts this long after a scenario's end still count for it (default 0s)
  --maturity LIST                   detector maturities to run (default: stable,incubating)
  --detectors DIR                   load third-party detectors from DIR (repeatable)
  --config FILE                     take detector settings and directories from a run config file
  --alerts FILE                     also write the canonical alerts as JSONL to FILE
  --min-recall X                    target: recall of every scenario class at least X
  --min-recall-class CLASS=X        target for one class of the labels, overriding --min-recall (repeatable)
  --max-false-per-agent-day Y       target: false alerts per agent-day at most Y
  -h, --help                        this help

Exit codes: 0 done, 1 runtime failure, 2 usage or invalid labels, 3 invalid registry or detector,
4 a target given on the command line was missed.`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      events: { type: 'string' },
      registry: { type: 'string' },
      labels: { type: 'string' },
      json: { type: 'boolean' },
      grace: { type: 'string' },
      maturity: { type: 'string' },
      detectors: { type: 'string', multiple: true },
      config: { type: 'string' },
      alerts: { type: 'string' },
      'min-recall': { type: 'string' },
      'min-recall-class': { type: 'string', multiple: true },
      'max-false-per-agent-day': { type: 'string' },
    });
    if (values.help) {
      io.stdout.write(this.help + '\n');
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new DriftwatchError('DW_USAGE', `unexpected argument "${positionals[0]}"`);
    const events = requireOption(values.events, '--events');
    const registry = requireOption(values.registry, '--registry');
    const labelsPath = requireOption(values.labels, '--labels');
    await checkReadable(events, '--events', 'DW_USAGE');
    const graceMs = values.grace === undefined ? 0 : parseDuration(values.grace);
    if (graceMs === undefined) throw new DriftwatchError('DW_USAGE', `--grace must be a duration like 0s, 15m, 1h, not "${values.grace}"`);
    const maturity = values.maturity === undefined ? undefined : parseMaturityList(values.maturity);
    const minRecallByClass: Record<string, number> = {};
    for (const item of values['min-recall-class'] ?? []) {
      const [name, value] = item.split('=');
      if (!name || value === undefined) throw new DriftwatchError('DW_USAGE', `--min-recall-class must be CLASS=X, not "${item}"`);
      minRecallByClass[name.trim()] = fraction(value, '--min-recall-class')!;
    }
    const targets: Targets = {
      minRecall: fraction(values['min-recall'], '--min-recall'),
      minRecallByClass,
      maxFalsePerAgentDay: fraction(values['max-false-per-agent-day'], '--max-false-per-agent-day'),
    };

    const labels = await readLabels(labelsPath);
    const classes = new Set(labels.scenarios.filter((label) => !label.benign).map((label) => label.scenario));
    const unknownClasses = Object.keys(minRecallByClass).filter((name) => !classes.has(name));
    if (unknownClasses.length > 0) {
      const named = unknownClasses.map((name) => `"${name}"`).join(', ');
      throw new DriftwatchError('DW_USAGE', `--min-recall-class: no attack scenario of class ${named} in ${labelsPath} (its classes: ${[...classes].sort().join(', ')})`);
    }
    const config = values.config === undefined ? undefined : await loadConfig(values.config, io.env);
    const run = await runEvaluationPipeline({
      events,
      registry,
      maturity,
      detectors: {
        directories: [...(config?.detectors.directories ?? []), ...(values.detectors ?? [])],
        settings: config?.detectors.settings ?? {},
      },
      locate: config?.locate,
      alertsPath: values.alerts,
      logger: stderrLogger('warn'),
    });
    const report = evaluate(run.alerts, labels.scenarios, { agentDays: labels.agents * labels.days, graceMs });
    const failures = checkTargets(report, targets);
    if (values.json) {
      const output = {
        events: run.events,
        invalid: run.invalid,
        agents: labels.agents,
        days: labels.days,
        seconds: Math.round(run.seconds * 100) / 100,
        detectors: run.detectors,
        detector_errors: run.detectorErrors,
        ...report,
        targets: { ...targets, failures, passed: failures.length === 0 },
      };
      io.stdout.write(JSON.stringify(output, null, 2) + '\n');
    } else {
      io.stdout.write(formatReport(report, { events: run.events, agents: labels.agents, days: labels.days, seconds: run.seconds, detectors: run.detectors }, failures));
      if (run.invalid > 0) io.stdout.write(`\n${run.invalid} input lines were rejected (${Object.entries(run.invalidByCode).map(([code, n]) => `${code} ${n}`).join(', ')})\n`);
      const errors = Object.entries(run.detectorErrors);
      if (errors.length > 0) io.stdout.write(`detector errors: ${errors.map(([id, n]) => `${id} ${n}`).join(', ')}\n`);
    }
    return failures.length > 0 ? EXIT.MISMATCH : EXIT.OK;
  },
};
