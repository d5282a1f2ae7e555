import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Alert } from '../alerts/alert.js';
import { octetCount, type AlertSyslogOptions } from './formats/index.js';
import { syslogOptions, syslogText, type SyslogMessageSettings } from './syslog-message.js';
import { tlsOptions, type TlsSettings } from './tls-files.js';
import { renderEach, sinkFailure, type Transport } from './transport.js';

export interface SyslogStreamOptions extends SyslogMessageSettings {
  host: string;
  port: number;
  /** Present: syslog over TLS (RFC 5425), verification on unless `verify: false`. */
  tls?: TlsSettings;
  /** Connect (and TLS handshake) and write timeout. */
  timeoutMs: number;
  /**
   * Largest message the receiver takes whole (rsyslog: 8 KiB unless MaxMessageSize is raised); a
   * longer one it would cut, and take the rest for another message. Such an alert is refused (to
   * the rejected-alerts file) instead. No limit when absent.
   */
  maxMessageBytes?: number;
}

/**
 * Syslog over TCP (RFC 6587) or TLS (RFC 5425) with octet-counting framing: `<len> <RFC 5424 message>`,
 * so that messages may contain any character, LF included. One connection, reopened after an error.
 *
 * Syslog has no application-level acknowledgement: a batch counts as delivered when the kernel has
 * taken every byte of it (the write callback). A receiver that closes the connection is noticed on its
 * FIN and the next batch reconnects; bytes in flight when a connection breaks can be lost, which is
 * why SIEMs that can should be fed through HEC with indexer acknowledgement.
 */
export class SyslogStreamTransport implements Transport {
  readonly destination: string;
  private socket?: Socket;
  private connecting?: Promise<Socket>;
  private readonly message: AlertSyslogOptions;
  private readonly tls?: ConnectionOptions;

  constructor(private readonly options: SyslogStreamOptions) {
    this.destination = `syslog+${options.tls ? 'tls' : 'tcp'}://${options.host}:${options.port}`;
    this.message = syslogOptions(options);
    if (options.tls) this.tls = tlsOptions(options.tls, options.host);
  }

  async send(alerts: readonly Alert[], signal: AbortSignal): Promise<void> {
    let frames = '';
    for (const frame of renderEach(alerts, (alert) => octetCount(this.withinLimit(alert, syslogText(alert, this.message))))) frames += frame;
    const socket = await this.connect(signal);
    await this.write(socket, frames, signal);
  }

  private withinLimit(alert: Alert, text: string): string {
    const max = this.options.maxMessageBytes;
    if (max === undefined) return text;
    const bytes = Buffer.byteLength(text);
    if (bytes <= max) return text;
    throw sinkFailure(`alert ${alert.id} is ${bytes} bytes as a syslog message, above max_message_bytes (${max}): the receiver would cut it in two`, { retriable: false });
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), 1000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  private async connect(signal: AbortSignal): Promise<Socket> {
    if (this.socket) {
      // Let pending I/O events run first, so that a FIN the receiver sent while the connection was idle
      // closes it now rather than after this batch was written into a dead connection.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.socket && !this.socket.destroyed && this.socket.writable) return this.socket;
    }
    this.socket = undefined;
    this.connecting ??= this.open(signal).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private open(signal: AbortSignal): Promise<Socket> {
    const { host, port, timeoutMs } = this.options;
    return new Promise<Socket>((resolve, reject) => {
      const socket: Socket = this.tls ? tlsConnect({ ...this.tls, host, port }) : netConnect({ host, port });
      const ready = this.tls ? 'secureConnect' : 'connect';
      const fail = (error: Error) => {
        cleanup();
        socket.destroy();
        const code = (error as NodeJS.ErrnoException).code;
        const reason = code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
        reject(sinkFailure(`cannot connect to ${this.destination}: ${reason}`, { retriable: true, cause: error }));
      };
      const onError = (error: Error) => fail(error);
      const onAbort = () => fail(new Error('sink closed'));
      const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.off(ready, onReady);
        signal.removeEventListener('abort', onAbort);
      };
      const onReady = () => {
        cleanup();
        socket.setKeepAlive(true, 30_000);
        socket.setNoDelay(true);
        // The receiver never talks; its FIN or an error means this connection is done.
        socket.on('data', () => {});
        socket.on('end', () => socket.destroy());
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          if (this.socket === socket) this.socket = undefined;
        });
        this.socket = socket;
        resolve(socket);
      };
      socket.once('error', onError);
      socket.once(ready, onReady);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private write(socket: Socket, frames: string, signal: AbortSignal): Promise<void> {
    const { timeoutMs } = this.options;
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (error?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.off('close', onClose);
        signal.removeEventListener('abort', onAbort);
        if (!error) return resolve();
        socket.destroy();
        reject(sinkFailure(`writing to ${this.destination} failed: ${error.message}`, { retriable: true, cause: error }));
      };
      const onClose = () => finish(new Error('connection closed'));
      const onAbort = () => finish(new Error('sink closed'));
      const timer = setTimeout(() => finish(new Error(`not written within ${timeoutMs} ms`)), timeoutMs);
      socket.once('close', onClose);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.write(frames, 'utf8', (error) => finish(error ?? undefined));
    });
  }
}
