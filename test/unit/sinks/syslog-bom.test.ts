import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { createSinks } from '../../../src/sinks/create.js';
import { alert } from './support.js';

/** What a syslog UDP sink made from this sink config sends for one alert. */
async function sentDatagram(sink: Record<string, unknown>): Promise<Buffer> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  try {
    const config = configSchema.parse({ registry: 'r.yaml', sinks: [{ type: 'syslog', name: 'udp', transport: 'udp', host: '127.0.0.1', port: socket.address().port, ...sink }] });
    const [created] = createSinks(config.sinks, new PassThrough());
    const received = once(socket, 'message');
    await created!.deliver([alert('bom-1')]);
    await created!.close();
    return (await received)[0] as Buffer;
  } finally {
    socket.close();
  }
}

const BOM = Buffer.from('\uFEFF');

describe('syslog sink bom option (docs/formats.md)', () => {
  it('puts U+FEFF before MSG by default, and leaves it out with bom: false', async () => {
    expect((await sentDatagram({ format: 'json' })).includes(BOM)).toBe(true);
    const without = await sentDatagram({ format: 'json', bom: false });
    expect(without.includes(BOM)).toBe(false);
    expect(without.toString('utf8')).toContain('] {"'); // the structured data, then the JSON MSG straight away
  });
});

describe('syslog sink format over UDP', () => {
  it('is CEF unless the config names one: a JSON alert (2–6 KB) would be cut in most datagrams', async () => {
    const datagram = (await sentDatagram({})).toString('utf8');
    expect(datagram).toContain('CEF:0|');
    expect(Buffer.byteLength(datagram)).toBeLessThanOrEqual(2048);
    expect((await sentDatagram({ format: 'ecs' })).toString('utf8')).toContain('{"');
  });
});
