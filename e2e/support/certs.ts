import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, runOk } from './proc.ts';

const serverExt = (dnsNames: readonly string[]) =>
  [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${['IP:127.0.0.1', ...['localhost', ...dnsNames].map((n) => `DNS:${n}`)].join(',')}`,
    '',
  ].join('\n');

export interface TestCerts {
  dir: string;
  /** PEM of the throw-away CA: trust it via NODE_EXTRA_CA_CERTS, AWS_CA_BUNDLE, SSL_CERT_FILE. */
  caCert: string;
  /** Server certificate for 127.0.0.1 and localhost, signed by the CA. */
  cert: string;
  key: string;
  cleanup: () => Promise<void>;
}

/**
 * Makes a self-signed CA and a server certificate for 127.0.0.1/localhost with openssl; also
 * for `dnsNames` (e.g. public.ecr.aws, served locally through a CONNECT proxy).
 */
export async function makeCerts(dnsNames: readonly string[] = []): Promise<TestCerts> {
  const tmp = await makeTempDir('e2e-certs');
  const p = (name: string) => join(tmp.path, name);
  const ssl = (...args: string[]) => runOk('openssl', args, { cwd: tmp.path });
  try {
    await writeFile(p('server.ext'), serverExt(dnsNames));
    await ssl(
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2'],
      ...['-keyout', p('ca.key'), '-out', p('ca.crt'), '-subj', '/CN=e2e test CA'],
      ...['-addext', 'basicConstraints=critical,CA:TRUE'],
      ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    );
    await ssl(
      ...['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('server.key')],
      ...['-out', p('server.csr'), '-subj', '/CN=127.0.0.1'],
    );
    await ssl(
      ...['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key')],
      ...['-CAcreateserial', '-out', p('server.crt'), '-days', '2', '-extfile', p('server.ext')],
    );
  } catch (err) {
    await tmp.cleanup();
    throw err;
  }
  return {
    dir: tmp.path,
    caCert: p('ca.crt'),
    cert: p('server.crt'),
    key: p('server.key'),
    cleanup: tmp.cleanup,
  };
}
