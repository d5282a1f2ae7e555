import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConsoleSink, printable } from '../../../src/sinks/console.js';
import { alert } from './support.js';

describe('console sink', () => {
  it('writes one line per alert, whatever line breaks or escape sequences the event put in the title', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const sink = new ConsoleSink('console', out, 'never');
    await sink.deliver([
      alert(1, { title: 'invoice-bot used system hr=prod\\a|b\nline2 outside its registered scope' }),
      alert(2, { title: 'evil \u001b[2J\u001b[31mcleared\r\u2028done' }),
    ]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines[0]).toContain('hr=prod\\a|b\\nline2 outside');
    expect(lines[1]).toContain('evil \\u001b[2J\\u001b[31mcleared\\r\\u2028done');
    expect(text).not.toContain('\u001b');
  });

  it('printable keeps ordinary text, accents and emoji as they are', () => {
    expect(printable('Überweisung an Zoë 🚀 — done')).toBe('Überweisung an Zoë 🚀 — done');
    expect(printable('a\tb\u0085c')).toBe('a\\tb\\u0085c');
    // Characters that reorder or hide text: an agent id with a zero-width space looks like another.
    expect(printable('invoice-bot\u200b \u202eevil \u2066x\ufeff')).toBe('invoice-bot\\u200b \\u202eevil \\u2066x\\ufeff');
  });
});
