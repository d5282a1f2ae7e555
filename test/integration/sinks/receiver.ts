// A local HTTP(S) receiver for the HEC and webhook sink tests: records every request (headers and
// raw body), answers through a test-supplied handler, and can be taken down and brought back on the
// same port to test backpressure and recovery.
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Alert } from '../../../src/alerts/alert.js';
import type { Engine, EngineOutput } from '../../../src/engine/engine.js';
import type { AgentEvent } from '../../../src/events/contract.js';
import type { SourceRecord } from '../../../src/pipeline/pipeline.js';
import { alert } from '../../unit/sinks/support.js';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status: number;
  body?: string | object;
  headers?: Record<string, string>;
}

export type Handler = (request: ReceivedRequest) => Answer | Promise<Answer>;

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  handler: Handler;
  /** Stops listening and drops open connections: the receiver is down (connection refused). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  tls?: { certFile: string; keyFile: string };
}

export async function startReceiver(handler: Handler, options: ReceiverOptions = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const receiver = { requests, handler } as Receiver;
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      void Promise.resolve(receiver.handler(request)).then((answer) => {
        const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(body);
      });
    });
  };
  const make = (): Server =>
    options.tls
      ? createHttpsServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, listener)
      : createHttpServer(listener);
  let server = make();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  let listening = true;
  receiver.port = port;
  receiver.url = `${options.tls ? 'https' : 'http'}://${options.tls ? 'localhost' : '127.0.0.1'}:${port}`;
  receiver.down = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  receiver.up = async () => {
    if (listening) return;
    server = make();
    await listen(port);
    listening = true;
  };
  receiver.close = receiver.down;
  return receiver;
}

/** A stand-in engine: one alert per event, its id taken from the event id. */
export function alertPerEventEngine(): Engine {
  return {
    process(event: AgentEvent, output: EngineOutput) {
      output.alerts.push(alert(`dw-${event.id}`, { agent: { id: event.agent.id, registered: true } }));
    },
  } as unknown as Engine;
}

export function eventRecords(ids: readonly string[]): SourceRecord[] {
  return ids.map((id, line) => ({
    value: JSON.stringify({ id, time: '2026-10-05T09:00:00Z', type: 'tool_use', agent: { id: 'invoice-bot' }, tool: 'erp.read', system: 'erp-prod', action: 'read' }),
    position: { file: 'test', line: line + 1 },
  }));
}

export function ids(prefix: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
}

export function alertIds(alerts: readonly Alert[]): string[] {
  return alerts.map((a) => a.id);
}
