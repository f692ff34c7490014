import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireProgram } from './processes';

/** One certificate authority's files: its certificate, a server certificate and a client certificate it signed. */
export interface TestAuthority {
  readonly caFile: string;
  /** Names 127.0.0.1 and localhost. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/** Two unrelated authorities on disk: `trusted` for the servers under test, `other` to show what a wrong CA gets. */
export interface TestPki {
  readonly dir: string;
  readonly trusted: TestAuthority;
  readonly other: TestAuthority;
  remove(): void;
}

function openssl(args: readonly string[], dir: string): void {
  const result = spawnSync('openssl', [...args], { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${result.stderr}`);
}

function authority(dir: string, name: string): TestAuthority {
  const file = (suffix: string): string => join(dir, `${name}-${suffix}`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name} test CA`, '-keyout', file('ca.key'), '-out', file('ca.pem')], dir);
  const sign = (role: 'server' | 'client', extensions: string): void => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name} ${role}`, '-keyout', file(`${role}.key`), '-out', file(`${role}.csr`)], dir);
    writeFileSync(file(`${role}.ext`), extensions);
    openssl(
      ['x509', '-req', '-days', '2', '-in', file(`${role}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-extfile', file(`${role}.ext`), '-out', file(`${role}.pem`)],
      dir,
    );
  };
  sign('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  sign('client', 'extendedKeyUsage=clientAuth\n');
  return {
    caFile: file('ca.pem'),
    serverCertFile: file('server.pem'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client.key'),
  };
}

/**
 * Generates throw-away certificates with `openssl` (2-day validity, RSA 2048) in a temporary
 * directory: for tests of TLS towards real NATS, Redis and PostgreSQL servers. Remove with `remove()`.
 */
export function createTestPki(): TestPki {
  requireProgram('openssl', "install Debian's openssl package (apt-get install openssl)");
  const dir = mkdtempSync(join(tmpdir(), 'rl-pki-'));
  try {
    return { dir, trusted: authority(dir, 'trusted'), other: authority(dir, 'other'), remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
