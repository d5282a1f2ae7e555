import { describe, expect, it } from 'vitest';
import { stderrLogger } from '../../../src/telemetry/log.js';

describe('stderrLogger', () => {
  it('writes one line per entry: line breaks in a message are shown, not written; fields are JSON', () => {
    const lines: string[] = [];
    const logger = stderrLogger('info', (line) => lines.push(line), () => Date.parse('2026-11-25T04:00:00Z'));
    logger.log('error', 'refused:\nfile.yaml:3:13: bad\r\nfile.yaml:5:1: worse\u2028end', { errors: ['a\nb'] });
    expect(lines).toEqual(['2026-11-25T04:00:00.000Z driftwatch error refused: \\n file.yaml:3:13: bad \\n file.yaml:5:1: worse \\n end errors=["a\\nb"]\n']);
  });

  it('leaves out entries below its level and redacts credentials', () => {
    const lines: string[] = [];
    const logger = stderrLogger('warn', (line) => lines.push(line), () => 0);
    logger.log('info', 'quiet');
    logger.log('warn', 'sent Authorization: Bearer abcdefghijklmnop', { password: 'hunter2' });
    expect(lines).toEqual(['1970-01-01T00:00:00.000Z driftwatch warn sent Authorization: Bearer [REDACTED] password=[REDACTED]\n']);
  });
});
