import { DriftwatchError } from '../../errors.js';
import { SCENARIO_CLASSES, type ScenarioClass } from '../../simulate/labels.js';
import { DEFAULT_START, simulateToDirectory } from '../../simulate/simulate.js';
import { parseCommandArgs, requireOption } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

function integer(value: string | undefined, flag: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new DriftwatchError('DW_USAGE', `missing required option ${flag}`);
    return fallback;
  }
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) throw new DriftwatchError('DW_USAGE', `${flag} must be a non-negative integer, not "${value}"`);
  return number;
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'generate a deterministic company of agents, its registry, and labelled attack scenarios',
  help: `Usage: driftwatch simulate --agents N --days D --seed S --out DIR [options]

Generates realistic, seeded traffic for N agents over D days and writes:
  DIR/events.jsonl   the events (event contract v1), in time order
  DIR/registry.yaml  the agent registry (its final state)
  DIR/labels.json    the injected scenarios: class, agent, time range, detectors expected to fire,
                     and benign registry-driven drift ("benign": true)

The same seed gives byte-identical files. Agents: office-hours assistants and orchestrators acting
for people through delegation chains, scheduled and 24/7 batch agents, bursty event-driven agents,
a few retired or suspended ones. Scenarios start after day 7 (after 60% of periods shorter than
10 days; the statistical detectors learn for 3 to 7 days, so give eval at least 10 days):
${SCENARIO_CLASSES.join(', ')}.

Options:
  --agents N                 registered agents (required, at least 10)
  --days D                   days of traffic (required)
  --seed S                   random seed, 0 to 4294967295 (required)
  --out DIR                  output directory, created when missing (required)
  --start YYYY-MM-DD         first day, UTC (default ${DEFAULT_START}, a Monday)
  --scenarios-per-class K    scenarios of each class (default 2 per 100 agents, at least 1)
  --benign-drift K           agents given a benign scope change (default 2 per 100 agents, at least 1)
  --scenarios LIST           only these scenario classes, comma-separated
  -h, --help                 this help

Exit codes: 0 done, 1 runtime failure, 2 usage.`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      agents: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      start: { type: 'string' },
      'scenarios-per-class': { type: 'string' },
      'benign-drift': { type: 'string' },
      scenarios: { type: 'string' },
    });
    if (values.help) {
      io.stdout.write(this.help + '\n');
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new DriftwatchError('DW_USAGE', `unexpected argument "${positionals[0]}"`);
    let classes: ScenarioClass[] | undefined;
    if (values.scenarios !== undefined) {
      const names = values.scenarios.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
      const unknown = names.filter((name) => !(SCENARIO_CLASSES as readonly string[]).includes(name));
      if (unknown.length > 0) throw new DriftwatchError('DW_USAGE', `unknown scenario classes: ${unknown.join(', ')} (known: ${SCENARIO_CLASSES.join(', ')})`);
      classes = names as ScenarioClass[];
    }
    const out = requireOption(values.out, '--out');
    const started = performance.now();
    const result = await simulateToDirectory(
      {
        agents: integer(values.agents, '--agents'),
        days: integer(values.days, '--days'),
        seed: integer(values.seed, '--seed'),
        start: values.start,
        scenariosPerClass: values['scenarios-per-class'] === undefined ? undefined : integer(values['scenarios-per-class'], '--scenarios-per-class'),
        benignDrift: values['benign-drift'] === undefined ? undefined : integer(values['benign-drift'], '--benign-drift'),
        classes,
      },
      out,
    ).catch((error: unknown) => {
      // The directory or a file in it cannot be made or written (ENOTDIR, EACCES, ENOSPC…).
      if (typeof (error as NodeJS.ErrnoException).code !== 'string' || error instanceof DriftwatchError) throw error;
      throw new DriftwatchError('DW_USAGE', `--out: cannot write ${out}: ${(error as Error).message}`, { cause: error });
    });
    const seconds = (performance.now() - started) / 1000;
    const attacks = result.labels.scenarios.filter((label) => !label.benign);
    const benign = result.labels.scenarios.length - attacks.length;
    const { tool_use, token_issued, access_denied } = result.eventsByType;
    io.stderr.write(
      `driftwatch simulate: ${result.events.toLocaleString('en-US')} events (${tool_use} tool_use, ${token_issued} token_issued, ${access_denied} access_denied) ` +
        `for ${result.labels.agents} agents over ${result.labels.days} days in ${seconds.toFixed(1)} s\n` +
        `  ${attacks.length} attack scenarios, ${benign} benign drifts, attacks from ${result.labels.attack_from}\n` +
        `  ${result.files.events}\n  ${result.files.registry}\n  ${result.files.labels}\n`,
    );
    if (result.skipped.length > 0) {
      io.stderr.write(`  not generated (no suitable agent, or no activity left in the period): ${[...new Set(result.skipped)].map((name) => `${name} ×${result.skipped.filter((s) => s === name).length}`).join(', ')}\n`);
    }
    return EXIT.OK;
  },
};
