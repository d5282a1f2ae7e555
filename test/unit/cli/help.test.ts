/** `driftwatch help COMMAND` and the command list that `driftwatch --help` prints. */
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/main.js';
import { runCli } from '../../fixtures/core/cli.js';

describe('driftwatch help COMMAND', () => {
  it.each(COMMANDS.map((command) => [command.name]))('help %s prints that command\'s --help (exit 0)', async (name) => {
    const help = await runCli(['help', ...name.split(' ')]);
    const direct = await runCli([...name.split(' '), '--help']);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toContain(`Usage: driftwatch ${name}`);
    expect(help.stdout).toBe(direct.stdout);
  });

  it('help of a command group lists its commands (exit 0)', async () => {
    const help = await runCli(['help', 'detectors']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: driftwatch detectors COMMAND');
    expect(help.stdout).toContain('detectors test');
  });

  it('help alone prints the general usage (exit 0); help of an unknown command exits 2', async () => {
    const general = await runCli(['help']);
    expect(general.code).toBe(0);
    expect(general.stdout).toContain('Usage: driftwatch COMMAND');
    for (const argv of [['help', 'frobnicate'], ['help', 'run', 'extra'], ['help', 'detectors', 'frob']]) {
      const unknown = await runCli(argv);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain(`unknown command "${argv.slice(1).join(' ')}"`);
      expect(unknown.stdout).toBe('');
    }
  });
});

describe('the command list', () => {
  it('says that replay runs the stable detectors, its default --maturity', async () => {
    const replay = COMMANDS.find((command) => command.name === 'replay')!;
    expect(replay.help).toContain('(default: stable)');
    expect(replay.summary).toContain('stable detectors');
    expect(replay.summary).not.toContain('every detector');
    expect((await runCli(['--help'])).stdout).toContain(replay.summary);
  });
});
