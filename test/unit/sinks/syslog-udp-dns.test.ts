// Syslog over UDP follows a SIEM whose host name moves to another address (DNS failover): the name
// is looked up again once ADDRESS_TTL_MS has passed, not once per process.
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADDRESS_TTL_MS, SyslogUdpTransport } from '../../../src/sinks/syslog-udp.js';
import { alerts } from './support.js';

const dns = vi.hoisted(() => ({ answer: '127.0.0.1', lookups: 0 }));
vi.mock('node:dns/promises', () => ({
  lookup: async () => {
    dns.lookups++;
    return { address: dns.answer, family: 4 };
  },
}));

function receiver(address: string, port = 0): Promise<{ socket: Socket; received: () => number }> {
  let count = 0;
  const socket = createSocket('udp4').on('message', () => count++);
  return new Promise((resolve) => socket.bind(port, address, () => resolve({ socket, received: () => count })));
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('syslog over UDP and DNS', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sends to the new address of its host once the looked-up one is ADDRESS_TTL_MS old', async () => {
    const old = await receiver('127.0.0.1');
    const port = old.socket.address().port;
    const moved = await receiver('127.0.0.2', port);
    const transport = new SyslogUdpTransport({ host: 'siem.corp.example', port, format: 'cef', facility: 'local4', appName: 'driftwatch' });
    const start = Date.now();
    const now = vi.spyOn(Date, 'now').mockReturnValue(start);
    try {
      await transport.send(alerts(1, 3));
      dns.answer = '127.0.0.2';
      await transport.send(alerts(4, 2));
      await settle();
      expect([old.received(), moved.received(), dns.lookups]).toEqual([5, 0, 1]);
      now.mockReturnValue(start + ADDRESS_TTL_MS);
      await transport.send(alerts(6, 4));
      await settle();
      expect([old.received(), moved.received(), dns.lookups]).toEqual([5, 4, 2]);
    } finally {
      await transport.close();
      old.socket.close();
      moved.socket.close();
    }
  });
});
