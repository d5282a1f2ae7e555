import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Alert } from '../alerts/alert.js';
import { alertToSyslog, DEFAULT_UDP_MAX_BYTES, fitToDatagram, type AlertSyslogOptions } from './formats/index.js';
import { syslogOptions, type SyslogMessageSettings } from './syslog-message.js';
import { renderEach, sinkFailure, type Transport } from './transport.js';

/** How long a looked-up address is used before the host name is looked up again: a SIEM may move (DNS failover). */
export const ADDRESS_TTL_MS = 60_000;

export interface SyslogUdpOptions extends SyslogMessageSettings {
  host: string;
  port: number;
  /** Largest datagram; longer messages have MSG cut (RFC 5426 §3.2: 2048 is what receivers SHOULD accept). */
  maxMessageBytes?: number;
}

/**
 * Syslog over UDP (RFC 5426): one alert per datagram, cut to `maxMessageBytes` with the header and
 * structured data (alert id, detector, agent, severity) kept whole. UDP has no acknowledgement: a
 * batch counts as delivered once the kernel sent every datagram. Truncations are counted. A host
 * name is looked up again every ADDRESS_TTL_MS, so that datagrams follow a SIEM that moved.
 */
export class SyslogUdpTransport implements Transport {
  readonly destination: string;
  private socket?: Socket;
  private socketFamily?: 4 | 6;
  private address?: Promise<{ address: string; family: 4 | 6 }>;
  private resolvedAt = 0;
  private readonly message: AlertSyslogOptions;
  private readonly maxBytes: number;
  private truncated = 0;
  private datagrams = 0;

  constructor(private readonly options: SyslogUdpOptions) {
    this.destination = `syslog+udp://${options.host}:${options.port}`;
    this.message = syslogOptions(options);
    this.maxBytes = options.maxMessageBytes ?? DEFAULT_UDP_MAX_BYTES;
  }

  counters(): Readonly<Record<string, number>> {
    return { datagrams: this.datagrams, truncated: this.truncated };
  }

  async send(alerts: readonly Alert[]): Promise<void> {
    const datagrams = renderEach(alerts, (alert) => {
      const fitted = fitToDatagram(alertToSyslog(alert, this.message), this.maxBytes);
      return { bytes: Buffer.from(fitted.text, 'utf8'), truncated: fitted.truncated };
    });
    const { address, family } = await this.resolve();
    if (this.socket !== undefined && this.socketFamily !== family) await this.close();
    this.socket ??= createSocket(family === 6 ? 'udp6' : 'udp4').on('error', () => {});
    this.socketFamily = family;
    const socket = this.socket;
    await Promise.all(
      datagrams.map(
        (datagram) =>
          new Promise<void>((resolve, reject) =>
            socket.send(datagram.bytes, this.options.port, address, (error) => {
              if (!error) {
                this.datagrams++;
                if (datagram.truncated) this.truncated++;
                return resolve();
              }
              reject(sinkFailure(`sending to ${this.destination} failed: ${error.message}`, { retriable: true, cause: error }));
            }),
          ),
      ),
    );
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private resolve(): Promise<{ address: string; family: 4 | 6 }> {
    const family = isIP(this.options.host);
    if (family !== 0) return Promise.resolve({ address: this.options.host, family: family as 4 | 6 });
    if (this.address !== undefined && Date.now() - this.resolvedAt < ADDRESS_TTL_MS) return this.address;
    this.resolvedAt = Date.now();
    this.address = lookup(this.options.host).then(
      (found) => ({ address: found.address, family: found.family === 6 ? 6 : 4 }),
      (error: Error) => {
        this.address = undefined;
        throw sinkFailure(`cannot resolve ${this.options.host}: ${error.message}`, { retriable: true, cause: error });
      },
    );
    return this.address;
  }
}
