import { readFile } from 'node:fs/promises';
import { formatYamlIssue } from '../../config/yaml.js';
import { parseRegistry } from '../../registry/registry.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const registryCheckCommand: Command = {
  name: 'registry check',
  summary: 'validate an agent registry file and print every error',
  help: `Usage: driftwatch registry check FILE

Validates an agent registry and prints every problem as FILE:LINE:COLUMN: FIELD: MESSAGE.
Warnings (an agent without owner or custodian, a delegate that is not registered) are printed
but do not fail the check.

Exit codes: 0 valid, 2 usage, 3 invalid (or unreadable).`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {});
    if (values.help) {
      io.stdout.write(this.help + '\n');
      return EXIT.OK;
    }
    const path = positionals[0];
    if (path === undefined || positionals.length > 1) {
      io.stderr.write(`driftwatch registry check: give one FILE\n\n${this.help}\n`);
      return EXIT.USAGE;
    }
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      io.stderr.write(`${path}: cannot read: ${(error as Error).message}\n`);
      return EXIT.INVALID;
    }
    const result = parseRegistry(text, path);
    if (!result.ok) {
      for (const issue of result.errors) io.stderr.write(`error ${formatYamlIssue(issue)}\n`);
      io.stderr.write(`${path}: ${result.errors.length} error(s)\n`);
      return EXIT.INVALID;
    }
    for (const issue of result.registry.warnings) io.stderr.write(`warning ${formatYamlIssue(issue)}\n`);
    io.stdout.write(`${path}: valid, ${result.registry.size} agents, ${result.registry.warnings.length} warning(s)\n`);
    return EXIT.OK;
  },
};
