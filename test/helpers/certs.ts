// Throwaway TLS material for integration tests: a CA, a server certificate for localhost/127.0.0.1
// and a client certificate, all signed by that CA, generated with the `openssl` CLI into a temp dir.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCerts {
  /** Temp directory holding every file below. */
  dir: string;
  /** CA certificate (PEM file path) and its PEM text, for `tls.connect({ ca })`. */
  caFile: string;
  caPem: string;
  caKeyFile: string;
  /** Server certificate + key, SAN DNS:localhost, IP:127.0.0.1 (PEM file paths). */
  certFile: string;
  keyFile: string;
  /** Client certificate + key (CN=driftwatch-test-client), for mutual-TLS tests. */
  clientCertFile: string;
  clientKeyFile: string;
  /** Removes `dir`. */
  cleanup(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

async function issue(
  dir: string,
  name: string,
  subject: string,
  extensions: string,
): Promise<{ certFile: string; keyFile: string }> {
  const keyFile = join(dir, `${name}.key`);
  const csrFile = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.pem`);
  const extFile = join(dir, `${name}.ext`);
  await writeFile(extFile, extensions);
  await openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', subject], dir);
  await openssl(
    ['x509', '-req', '-in', csrFile, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', certFile,
      '-days', '2', '-sha256', '-extfile', extFile],
    dir,
  );
  return { certFile, keyFile };
}

/** Generates a fresh CA, server and client certificate (RSA 2048, valid 2 days). */
export async function generateTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), 'driftwatch-certs-'));
  try {
    await openssl(
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-sha256',
        '-subj', '/CN=driftwatch-test-ca',
        '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      dir,
    );
    const server = await issue(
      dir,
      'server',
      '/CN=localhost',
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '',
      ].join('\n'),
    );
    const client = await issue(
      dir,
      'client',
      '/CN=driftwatch-test-client',
      ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth', ''].join('\n'),
    );
    const caFile = join(dir, 'ca.pem');
    return {
      dir,
      caFile,
      caPem: await readFile(caFile, 'utf8'),
      caKeyFile: join(dir, 'ca.key'),
      certFile: server.certFile,
      keyFile: server.keyFile,
      clientCertFile: client.certFile,
      clientKeyFile: client.keyFile,
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
