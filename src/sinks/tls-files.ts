import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { DriftwatchError } from '../errors.js';

/** TLS settings of a sink as configured: file paths, verification on unless turned off. */
export interface TlsSettings {
  /** PEM file of the CA(s) that sign the receiver's certificate; absent: Node's default CA list. */
  ca?: string;
  /** PEM files of a client certificate and its key, for receivers that want mutual TLS. */
  cert?: string;
  key?: string;
  /** Name checked against the receiver's certificate and sent as SNI; default: the host. */
  servername?: string;
  /** Verify the receiver's certificate chain and name (default true). */
  verify?: boolean;
  /** Where these settings are in the config, for errors: `sink "siem" tls` (default `TLS`). */
  field?: string;
}

/** Reads a PEM file named in the config; `what` names it in the error (a description or a config field). */
export function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new DriftwatchError('DW_CONFIG_INVALID', `cannot read ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads the PEM files once, at start-up, so that a wrong path is a config error and not a delivery failure. */
export function tlsOptions(settings: TlsSettings | undefined, host: string): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: settings?.verify ?? true };
  const field = settings?.field ?? 'TLS';
  if (settings?.ca) options.ca = readTlsFile(settings.ca, `${field}.ca`);
  if (settings?.cert) options.cert = readTlsFile(settings.cert, `${field}.cert`);
  if (settings?.key) options.key = readTlsFile(settings.key, `${field}.key`);
  if ((settings?.cert === undefined) !== (settings?.key === undefined)) {
    throw new DriftwatchError('DW_CONFIG_INVALID', `${field}: a client certificate needs both cert and key`);
  }
  // The name is checked against the certificate and sent as SNI; SNI cannot carry an IP address
  // (RFC 6066), so for an IP host without a servername the certificate is checked against the IP.
  const servername = settings?.servername ?? host;
  if (isIP(servername) === 0) options.servername = servername;
  return options;
}
