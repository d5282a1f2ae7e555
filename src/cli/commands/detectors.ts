import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { checkReadable } from '../../sources/file.js';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_SUPPRESS_FOR } from '../../engine/configured-detector.js';
import { DriftwatchError } from '../../errors.js';
import { runDetectorCase, type ExpectedAlert } from '../../plugins/harness.js';
import { loadDetectors } from '../../plugins/load.js';
import { loadRegistry, Registry } from '../../registry/registry.js';
import { SEVERITIES } from '../../sdk/detector.js';
import { printable } from '../../sinks/console.js';
import { parseCommandArgs, requireOption } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const detectorsListCommand: Command = {
  name: 'detectors list',
  summary: 'list the built-in and third-party detectors with their options',
  help: `Usage: driftwatch detectors list [--detectors DIR] [--json]

Lists every detector: id, version, maturity, event types, default severity, techniques, and its
options with their defaults.

Options:
  --detectors DIR   also load third-party detectors from DIR (repeatable)
  --json            one JSON document instead of text
  -h, --help        this help

Exit codes: 0 done, 2 usage, 3 a detector does not load.`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { detectors: { type: 'string', multiple: true }, json: { type: 'boolean' } });
    if (values.help) {
      io.stdout.write(this.help + '\n');
      return EXIT.OK;
    }
    const detectors = await loadDetectors(values.detectors ?? []);
    const rows = detectors.map((detector) => ({
      id: detector.id,
      version: detector.version,
      maturity: detector.maturity,
      event_types: detector.eventTypes,
      severity: detector.severity,
      suppress_for: detector.suppressFor ?? DEFAULT_SUPPRESS_FOR,
      description: detector.description,
      techniques: detector.techniques.map((technique) => `${technique.id} ${technique.name}`),
      options: detector.options.parse({}) as Record<string, unknown>,
    }));
    if (values.json) {
      io.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return EXIT.OK;
    }
    for (const row of rows) {
      io.stdout.write(`${row.id} ${row.version} [${row.maturity}] ${row.event_types.join(',')} severity=${row.severity} suppress_for=${row.suppress_for}\n`);
      io.stdout.write(`  ${row.description}\n`);
      if (row.techniques.length) io.stdout.write(`  techniques: ${row.techniques.join('; ')}\n`);
      if (Object.keys(row.options).length) io.stdout.write(`  options: ${JSON.stringify(row.options)}\n`);
    }
    return EXIT.OK;
  },
};

const expectedSchema = z.strictObject({
  agent: z.string().min(1),
  key: z.string().optional(),
  severity: z.enum(SEVERITIES).optional(),
  event: z.string().optional(),
  detector: z.string().optional(),
});

async function readExpectations(path: string): Promise<ExpectedAlert[]> {
  const text = await readFile(path, 'utf8');
  const expected: ExpectedAlert[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const parsed = expectedSchema.safeParse(JSON.parse(line));
      if (parsed.success) expected.push(parsed.data);
      else problems.push(`${path}:${index + 1}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    } catch (error) {
      problems.push(`${path}:${index + 1}: not JSON: ${(error as Error).message}`);
    }
  });
  if (problems.length > 0) throw new DriftwatchError('DW_USAGE', `expectations do not validate:\n${problems.join('\n')}`);
  return expected;
}

export const detectorsTestCommand: Command = {
  name: 'detectors test',
  summary: 'replay a recorded stream through one detector and compare with the expected alerts',
  help: `Usage: driftwatch detectors test DETECTOR --events FILE --expect FILE [options]

The detection engineer's harness. Replays FILE (JSONL events) through DETECTOR alone, in strict
mode (a score() that changes the state is an error), and compares the alerts with the expected
ones: one JSON object per line, {"agent": "...", "key": "...", "severity": "...", "event": "..."}
(only agent is required). Missing and unexpected alerts are listed.

Options:
  --events FILE     recorded events (required)
  --expect FILE     expected alerts, JSONL (required)
  --registry FILE   agent registry (default: registry.yaml beside the events file or in its
                    parent directory, else an empty registry)
  --detectors DIR   load third-party detectors from DIR (repeatable)
  --options JSON    the detector's options (default: its defaults)
  -h, --help        this help

Exit codes: 0 as expected, 2 usage, 3 invalid detector or registry, 4 differences found.`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      events: { type: 'string' },
      expect: { type: 'string' },
      registry: { type: 'string' },
      detectors: { type: 'string', multiple: true },
      options: { type: 'string' },
    });
    if (values.help) {
      io.stdout.write(this.help + '\n');
      return EXIT.OK;
    }
    const id = positionals[0];
    if (id === undefined || positionals.length > 1) {
      io.stderr.write(`driftwatch detectors test: name one DETECTOR\n\n${this.help}\n`);
      return EXIT.USAGE;
    }
    const events = requireOption(values.events, '--events');
    const expect = requireOption(values.expect, '--expect');
    await checkReadable(events, '--events', 'DW_USAGE');
    await checkReadable(expect, '--expect', 'DW_USAGE');
    const detectors = await loadDetectors(values.detectors ?? []);
    const definition = detectors.find((detector) => detector.id === id);
    if (!definition) throw new DriftwatchError('DW_DETECTOR_UNKNOWN', `no detector "${id}" (known: ${detectors.map((d) => d.id).join(', ')})`);
    const nearby = [join(dirname(events), 'registry.yaml'), join(dirname(events), '..', 'registry.yaml')];
    const registryPath = values.registry ?? nearby.find((path) => existsSync(path));
    const registry = registryPath ? await loadRegistry(registryPath) : Registry.empty();
    let options: Record<string, unknown> | undefined;
    try {
      options = values.options === undefined ? undefined : (JSON.parse(values.options) as Record<string, unknown>);
    } catch (error) {
      throw new DriftwatchError('DW_USAGE', `--options: not JSON: ${(error as Error).message}`);
    }
    const expected = await readExpectations(expect);
    const result = await runDetectorCase(definition, registry, events, expected, options);
    for (const invalid of result.invalidLines) io.stdout.write(`invalid event ${events}:${invalid.line}: ${invalid.reason}\n`);
    for (const item of result.missing) io.stdout.write(`missing    ${JSON.stringify(item)}\n`);
    for (const alert of result.unexpected) {
      io.stdout.write(`unexpected ${JSON.stringify({ agent: alert.agent.id, key: alert.key, severity: alert.severity, event: alert.event.id })} ${alert.title}\n`);
    }
    for (const failure of result.failures) {
      const where = failure.eventId === undefined ? '' : ` (event ${printable(failure.eventId)})`;
      io.stdout.write(`detector error ${events}:${failure.line}${where}: ${failure.phase}: ${printable(failure.message)}${failure.at === undefined ? '' : ` at ${printable(failure.at)}`}\n`);
    }
    if (result.errors > 0) io.stdout.write(`detector errors: ${result.errors} (last: ${printable(result.lastError ?? '')})\n`);
    const ok = result.missing.length === 0 && result.unexpected.length === 0 && result.errors === 0 && result.invalidLines.length === 0;
    io.stdout.write(`${id}: ${result.alerts.length} alerts, ${expected.length} expected, ${result.missing.length} missing, ${result.unexpected.length} unexpected${ok ? ' — ok' : ''}\n`);
    return ok ? EXIT.OK : EXIT.MISMATCH;
  },
};

