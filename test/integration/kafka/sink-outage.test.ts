// A sink outage of several seconds with the real webhook sink against a local HTTP receiver that
// answers 503: the event topics are paused, no offset is committed past an undelivered alert, and
// after recovery the topics are resumed and every alert is delivered.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runJob } from '../../../src/cli/job.js';
import { committedOffsets, fileReplay, jobConfig, jobSuite, memoryLogger, produceValues, waitFor, waitForCommittedToEnd } from '../../helpers/kafka-job.js';

/** A webhook receiver that can be down (503) and records the alert ids it accepted. */
async function startReceiver(): Promise<{ server: Server; url: string; received: string[]; refused: number; setDown(down: boolean): void }> {
  const state = { down: false, received: [] as string[], refused: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (state.down) {
        state.refused++;
        response.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alerts: { id: string }[] };
      for (const alert of body.alerts) state.received.push(alert.id);
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/alerts`,
    get received() {
      return state.received;
    },
    get refused() {
      return state.refused;
    },
    setDown: (down: boolean) => void (state.down = down),
  };
}

describe('kafka source: sink outage', () => {
  const suite = jobSuite();

  it('webhook receiver down for 6 s: topics paused, commits stop before the first undelivered alert; resumed, all alerts arrive after recovery', { timeout: 180_000 }, async () => {
    const { names, registry, lines, eventsPath } = await suite.benchWorkload('outage', { agents: 100, events: 6_000, seed: 5 });
    const expected = await fileReplay(eventsPath, { registry });
    const offsetOfEvent = new Map(lines.map((line, i) => [(JSON.parse(line) as { id: string }).id, i]));
    const alertOffset = (alert: (typeof expected)[number]) => Math.max(...alert.evidence.map((id) => offsetOfEvent.get(id) ?? -1));
    const split = 2_000;
    const firstAfterSplit = Math.min(...expected.map(alertOffset).filter((o) => o >= split));
    expect(expected.filter((alert) => alertOffset(alert) >= split).length).toBeGreaterThan(10);

    const receiver = await startReceiver();
    const config = jobConfig({
      ...names,
      registry,
      maxBytesPerPartition: 16 * 1024,
      sinks: [
        {
          type: 'webhook',
          name: 'siem',
          url: receiver.url,
          timeout: '2s',
          delivery: { retry: { initial: '100ms', max: '500ms' }, breaker: { failures: 3, cooldown: '500ms' } },
        },
      ],
    });
    const stop = new AbortController();
    const logger = memoryLogger();
    const logged = (text: string) => logger.lines.filter((line) => line.includes(text)).length;
    const run = runJob(config, { stdin: new PassThrough(), stdout: new PassThrough(), logger, signal: stop.signal });
    try {
      await produceValues(names.topic, lines.slice(0, split));
      await waitForCommittedToEnd(names.group, names.topic, 60_000);

      // A slow checkpoint before the outage may have paused and resumed the topics already.
      const [pausedBefore, resumedBefore] = [logged('event topics paused'), logged('event topics resumed')];
      receiver.setDown(true);
      await produceValues(names.topic, lines.slice(split));
      const until = Date.now() + 6_000;
      let highest = 0n;
      while (Date.now() < until) {
        const committed = (await committedOffsets(names.group, names.topic)).get(0) ?? 0n;
        // Offset o committed means events below o are done: never the event of an undelivered alert.
        expect(committed).toBeLessThanOrEqual(BigInt(firstAfterSplit));
        if (committed > highest) highest = committed;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(receiver.refused).toBeGreaterThan(3);
      expect(highest).toBeGreaterThanOrEqual(BigInt(split));
      expect(logged('event topics paused')).toBeGreaterThan(pausedBefore);
      expect(logged('event topics resumed')).toBe(resumedBefore);

      receiver.setDown(false);
      await waitForCommittedToEnd(names.group, names.topic, 60_000);
      expect(logged('event topics resumed')).toBe(logged('event topics paused'));
      await waitFor(() => new Set(receiver.received).size >= new Set(expected.map((a) => a.id)).size, { timeoutMs: 30_000, label: 'every alert received' });
      const received = new Set(receiver.received);
      expect(expected.filter((alert) => !received.has(alert.id)).map((a) => a.id)).toEqual([]);
      expect([...received].every((id) => expected.some((alert) => alert.id === id))).toBe(true);
    } finally {
      stop.abort();
      await run;
      receiver.server.close();
    }
  });

  it('stopped while the receiver is down: ends after the drain timeout, commits nothing past the undelivered alerts; a restart delivers them', { timeout: 180_000 }, async () => {
    const { names, registry, lines, eventsPath } = await suite.benchWorkload('outage-stop', { agents: 100, events: 3_000, seed: 6 });
    const expected = await fileReplay(eventsPath, { registry });
    const offsetOfEvent = new Map(lines.map((line, i) => [(JSON.parse(line) as { id: string }).id, i]));
    const firstAlertOffset = Math.min(...expected.map((alert) => Math.max(...alert.evidence.map((id) => offsetOfEvent.get(id) ?? -1))));
    const receiver = await startReceiver();
    receiver.setDown(true);
    const config = jobConfig({
      ...names,
      registry,
      sinks: [{ type: 'webhook', name: 'siem', url: receiver.url, timeout: '2s', delivery: { drain_timeout: '1s', retry: { initial: '100ms', max: '300ms' } } }],
    });
    try {
      await produceValues(names.topic, lines);
      const stop = new AbortController();
      const logger = memoryLogger();
      const run = runJob(config, { stdin: new PassThrough(), stdout: new PassThrough(), logger, signal: stop.signal });
      await waitFor(() => receiver.refused > 3, { timeoutMs: 60_000, label: 'deliveries refused' });
      const stopped = Date.now();
      stop.abort();
      // Retrying for ever (no max_attempts), the batch in flight would hold the shutdown until the receiver came back.
      const ended = await Promise.race([run.then(() => 'ended' as const), new Promise<'still running'>((resolve) => setTimeout(resolve, 20_000, 'still running'))]);
      expect(ended, logger.lines.join('\n')).toBe('ended');
      expect(Date.now() - stopped).toBeLessThan(15_000);
      const committed = (await committedOffsets(names.group, names.topic)).get(0) ?? 0n;
      expect(committed).toBeLessThanOrEqual(BigInt(firstAlertOffset));

      receiver.setDown(false);
      const restart = new AbortController();
      const second = runJob(config, { stdin: new PassThrough(), stdout: new PassThrough(), logger: memoryLogger(), signal: restart.signal });
      await waitForCommittedToEnd(names.group, names.topic, 60_000);
      await waitFor(() => new Set(receiver.received).size >= new Set(expected.map((a) => a.id)).size, { timeoutMs: 30_000, label: 'every alert received' });
      restart.abort();
      await second;
      expect(new Set(receiver.received)).toEqual(new Set(expected.map((alert) => alert.id)));
    } finally {
      receiver.server.close();
    }
  });
});
