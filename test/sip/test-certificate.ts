// Throwaway self-signed certificates for the TLS tests, made with openssl.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files of a certificate for `san` (an openssl subjectAltName, default IP:127.0.0.1) and its key, in `dir`. */
export function testCertificate(dir: string, san = 'IP:127.0.0.1'): { cert: string; key: string } {
  const name = san === 'IP:127.0.0.1' ? '' : `${san.replace(/\W/g, '_')}-`;
  const cert = join(dir, `${name}cert.pem`);
  const key = join(dir, `${name}key.pem`);
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=sipline test', '-addext', `subjectAltName=${san}`, '-keyout', key, '-out', cert], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`openssl could not make a test certificate (apt-get install openssl): ${(err as Error).message}`);
  }
  return { cert, key };
}

/** The same certificate and key read in, as node:tls takes them. */
export function testCertificatePem(dir: string, san?: string): { cert: Buffer; key: Buffer } {
  const files = testCertificate(dir, san);
  return { cert: readFileSync(files.cert), key: readFileSync(files.key) };
}
