import { isDriftwatchError } from '../errors.js';
import { redactSecrets } from '../redaction.js';
import type { CliIo, Command } from './command.js';
import { demoCommand } from './commands/demo.js';
import { detectorsListCommand, detectorsTestCommand } from './commands/detectors.js';
import { evalCommand } from './commands/eval.js';
import { registryCheckCommand } from './commands/registry-check.js';
import { replayCommand } from './commands/replay.js';
import { runCommand } from './commands/run.js';
import { simulateCommand } from './commands/simulate.js';
import { EXIT } from './exit-codes.js';

export const COMMANDS: readonly Command[] = [
  runCommand,
  replayCommand,
  registryCheckCommand,
  detectorsListCommand,
  detectorsTestCommand,
  demoCommand,
  simulateCommand,
  evalCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `driftwatch: behavioural drift detection for AI-agent identities

Usage: driftwatch COMMAND [options]     (driftwatch COMMAND --help, or driftwatch help COMMAND, for each)

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Exit codes: 0 done, 1 runtime failure (or alerts a sink did not deliver), 2 usage, 3 invalid config/registry/detector, 4 mismatch (detectors test, eval).`;
}

const EXIT_BY_CODE: Record<string, number> = {
  DW_USAGE: EXIT.USAGE,
  DW_CONFIG_INVALID: EXIT.INVALID,
  DW_REGISTRY_INVALID: EXIT.INVALID,
  DW_DETECTOR_INVALID: EXIT.INVALID,
  DW_DETECTOR_OPTIONS_INVALID: EXIT.INVALID,
  DW_DETECTOR_UNKNOWN: EXIT.INVALID,
};

/** Finds the command named by the first words of argv (longest name first). */
function findCommand(argv: readonly string[]): { command: Command; rest: readonly string[] } | undefined {
  const byLength = [...COMMANDS].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const command of byLength) {
    const words = command.name.split(' ');
    if (words.every((word, index) => argv[index] === word)) return { command, rest: argv.slice(words.length) };
  }
  return undefined;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === 'help' && argv.length > 1) {
    // `driftwatch help run`, `driftwatch help detectors test`: that command's --help; `help detectors`: the group's.
    const words = argv.slice(1);
    const found = findCommand(words);
    const isGroup = words.length === 1 && COMMANDS.some((command) => command.name.startsWith(`${words[0]} `));
    if ((found && found.rest.length === 0) || isGroup) return main([...words, '--help'], io);
    io.stderr.write(`driftwatch help: unknown command "${words.join(' ')}"\n\n${usage()}\n`);
    return EXIT.USAGE;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(usage() + '\n');
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
  }
  if (argv[0] === '--version') {
    io.stdout.write('driftwatch 0.1.0\n');
    return EXIT.OK;
  }
  const found = findCommand(argv);
  const group = COMMANDS.filter((command) => command.name.startsWith(`${argv[0]} `));
  if (!found && group.length > 0 && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
    // `driftwatch detectors --help`: the commands of the group.
    const width = Math.max(...group.map((command) => command.name.length));
    const lines = group.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n');
    (argv.length === 1 ? io.stderr : io.stdout).write(`Usage: driftwatch ${argv[0]} COMMAND [options]     (driftwatch ${argv[0]} COMMAND --help for each)\n\nCommands:\n${lines}\n`);
    return argv.length === 1 ? EXIT.USAGE : EXIT.OK;
  }
  if (!found) {
    io.stderr.write(`driftwatch: unknown command "${argv.join(' ')}"\n\n${usage()}\n`);
    return EXIT.USAGE;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (error) {
    if (isDriftwatchError(error)) {
      io.stderr.write(redactSecrets(`driftwatch ${found.command.name}: ${error.code}: ${error.message}`) + '\n');
      return EXIT_BY_CODE[error.code] ?? EXIT.FAILURE;
    }
    io.stderr.write(redactSecrets(`driftwatch ${found.command.name}: ${(error as Error)?.stack ?? String(error)}`) + '\n');
    return EXIT.FAILURE;
  }
}
