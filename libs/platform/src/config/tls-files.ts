import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { EnvFile } from './env-vars';

/** A TLS file as configured: the variable that names it, and the file. */
export interface NamedTlsFile {
  readonly variable: string;
  readonly file: EnvFile | undefined;
}

/**
 * What is wrong with a set of TLS files, beyond each being a PEM file (envFile's check): the CA
 * must parse as a certificate, a client certificate and key go together, and the key must be the
 * certificate's. Each problem names its variables.
 */
export function tlsFileProblems(files: { ca?: NamedTlsFile; cert?: NamedTlsFile; key?: NamedTlsFile }): string[] {
  const problems: string[] = [];
  const { ca, cert, key } = files;
  if (ca?.file !== undefined) {
    try {
      new X509Certificate(ca.file.text);
    } catch {
      problems.push(`${ca.variable} holds no certificate that can be read (${JSON.stringify(ca.file.path)})`);
    }
  }
  if (cert !== undefined && key !== undefined) {
    if ((cert.file === undefined) !== (key.file === undefined)) {
      problems.push(`${cert.variable} and ${key.variable} go together (a client certificate and its private key)`);
    } else if (cert.file !== undefined && key.file !== undefined) {
      let certificate: X509Certificate | undefined;
      try {
        certificate = new X509Certificate(cert.file.text);
      } catch {
        problems.push(`${cert.variable} holds no certificate that can be read (${JSON.stringify(cert.file.path)})`);
      }
      try {
        const privateKey = createPrivateKey(key.file.text);
        if (certificate !== undefined && !certificate.checkPrivateKey(privateKey)) problems.push(`${key.variable} is not the private key of ${cert.variable}`);
      } catch {
        problems.push(`${key.variable} holds no private key that can be read (${JSON.stringify(key.file.path)})`);
      }
    }
  }
  return problems;
}

/** Node's codes for a peer certificate that does not verify (wrong CA, expired, wrong host name). */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** True when `error` says the server's certificate did not verify: a configuration problem that retrying does not fix. */
export function isCertificateError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CERTIFICATE_ERRORS.has(code);
}
