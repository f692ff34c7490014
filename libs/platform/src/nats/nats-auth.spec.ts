import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestPki, type TestPki } from '@rl/devstack';
import { ErrorCode, NatsError, nkeys } from 'nats';
import { ConfigError, loadEnv } from '../config/load-env';
import { credentialVariables, explainConnectError, natsConnectionOptions } from './nats-auth';
import { NATS_AUTH_ENV, natsTransportProblems, natsTransportSettings } from './nats-auth-env';

const CREDS = [
  '-----BEGIN NATS USER JWT-----',
  'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln',
  '------END NATS USER JWT------',
  '',
  '-----BEGIN USER NKEY SEED-----',
  'SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY',
  '------END USER NKEY SEED------',
].join('\n');

describe('NATS credentials and TLS (NATS_AUTH_ENV)', () => {
  let pki: TestPki;
  let credsFile: string;
  let notCreds: string;

  beforeAll(() => {
    pki = createTestPki();
    credsFile = join(pki.dir, 'service.creds');
    writeFileSync(credsFile, CREDS);
    notCreds = join(pki.dir, 'not.creds');
    writeFileSync(notCreds, 'user=me\n');
  });

  afterAll(() => pki?.remove());

  function read(url: string, source: Record<string, string>): ReturnType<typeof natsTransportSettings> {
    const env = loadEnv(NATS_AUTH_ENV, source);
    const problems = natsTransportProblems(url, env);
    if (problems.length > 0) throw new ConfigError(problems);
    return natsTransportSettings(url, env);
  }

  function problemOf(url: string, source: Record<string, string>): string {
    try {
      read(url, source);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    throw new Error('accepted');
  }

  it('defaults to no credentials and plaintext; tls:// alone requires TLS with the system CAs', () => {
    expect(read('nats://127.0.0.1:4222', {})).toEqual({ credentials: { kind: 'none' }, tls: undefined, inboxPrefix: undefined });
    const tls = read('tls://nats.internal:4222', {});
    expect(tls.tls).toEqual({ ca: undefined, clientCertificate: undefined });
    // An object makes nats.js refuse a server that does not offer TLS: no fallback to plaintext.
    expect(natsConnectionOptions(tls)).toEqual({ tls: {} });
  });

  it('reads each way to authenticate', () => {
    expect(read('nats://h:4222', { NATS_USER: 'enforcer-us-east', NATS_PASSWORD: 'pw' }).credentials).toEqual({ kind: 'user', user: 'enforcer-us-east', password: 'pw' });
    expect(read('nats://h:4222', { NATS_TOKEN: 't0ken' }).credentials).toEqual({ kind: 'token', token: 't0ken' });
    expect(read('nats://h:4222', { NATS_CREDS: credsFile }).credentials).toEqual({ kind: 'creds', file: { path: credsFile, text: CREDS } });
    expect(read('nats://me:pw@h:4222', {}).credentials).toEqual({ kind: 'url' });
    const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
    expect(read('nats://h:4222', { NATS_NKEY_SEED: seed }).credentials).toEqual({ kind: 'nkey', seed });
  });

  it('turns them into nats.js options', () => {
    expect(natsConnectionOptions(read('nats://h:4222', { NATS_USER: 'u', NATS_PASSWORD: 'p' }))).toEqual({ user: 'u', pass: 'p' });
    expect(natsConnectionOptions(read('nats://h:4222', { NATS_TOKEN: 't' }))).toEqual({ token: 't' });
    expect(typeof natsConnectionOptions(read('nats://h:4222', { NATS_CREDS: credsFile })).authenticator).toBe('function');
    expect(natsConnectionOptions(read('nats://h:4222', { NATS_INBOX_PREFIX: '_INBOX.reconciler' }))).toEqual({ inboxPrefix: '_INBOX.reconciler' });
    const mutual = natsConnectionOptions(
      read('nats://h:4222', { NATS_TLS_CA_FILE: pki.trusted.caFile, NATS_TLS_CERT_FILE: pki.trusted.clientCertFile, NATS_TLS_KEY_FILE: pki.trusted.clientKeyFile }),
    );
    expect(mutual.tls).toEqual({ ca: expect.stringContaining('BEGIN CERTIFICATE'), cert: expect.stringContaining('BEGIN CERTIFICATE'), key: expect.stringContaining('PRIVATE KEY') });
  });

  it.each([
    ['NATS_USER without a password', 'nats://h:4222', { NATS_USER: 'u' }, 'Invalid configuration: NATS_USER needs NATS_PASSWORD'],
    ['a password without a user', 'nats://h:4222', { NATS_PASSWORD: 'p' }, 'Invalid configuration: NATS_PASSWORD needs NATS_USER'],
    ['two ways at once', 'nats://h:4222', { NATS_TOKEN: 't', NATS_USER: 'u', NATS_PASSWORD: 'p' }, 'Invalid configuration: NATS_USER and NATS_TOKEN exclude each other (authenticate to NATS one way)'],
  ])('%s', (_name, url, source, message) => {
    expect(problemOf(url, source)).toBe(message);
  });

  it('refuses a user in NATS_URL together with NATS_CREDS', () => {
    expect(problemOf('nats://u:p@h:4222', { NATS_CREDS: credsFile })).toBe('Invalid configuration: a user or token in NATS_URL and NATS_CREDS exclude each other (authenticate to NATS one way)');
  });

  it('checks every file at boot, naming the variable and never showing a secret', () => {
    expect(problemOf('nats://h:4222', { NATS_CREDS: '/nonexistent/x.creds' })).toBe('Invalid configuration: NATS_CREDS names a file that cannot be read ("/nonexistent/x.creds": ENOENT)');
    expect(problemOf('nats://h:4222', { NATS_CREDS: notCreds })).toBe(
      `Invalid configuration: NATS_CREDS must be a NATS credentials file (a user JWT, then its NKey seed, as \`nsc generate creds\` writes) (${JSON.stringify(notCreds)})`,
    );
    expect(problemOf('nats://h:4222', { NATS_TLS_CA_FILE: credsFile })).toBe(`Invalid configuration: NATS_TLS_CA_FILE must be a PEM file with one or more CA certificates (${JSON.stringify(credsFile)})`);
    expect(problemOf('nats://h:4222', { NATS_TLS_CERT_FILE: pki.trusted.clientCertFile })).toBe(
      'Invalid configuration: NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE go together (a client certificate and its private key)',
    );
    expect(problemOf('nats://h:4222', { NATS_TLS_CERT_FILE: pki.trusted.clientCertFile, NATS_TLS_KEY_FILE: pki.other.clientKeyFile })).toBe(
      'Invalid configuration: NATS_TLS_KEY_FILE is not the private key of NATS_TLS_CERT_FILE',
    );
    const accountSeed = new TextDecoder().decode(nkeys.createAccount().getSeed());
    expect(problemOf('nats://h:4222', { NATS_NKEY_SEED: accountSeed })).toBe(
      'Invalid configuration: NATS_NKEY_SEED must be a user NKey seed (SU and 56 base32 characters, from `nk -gen user`) (value not shown)',
    );
    expect(problemOf('nats://h:4222', { NATS_NKEY_SEED: `SU${'A'.repeat(56)}` })).toBe('Invalid configuration: NATS_NKEY_SEED is not a valid user NKey seed (value not shown)');
    const secret = problemOf('nats://h:4222', { NATS_USER: 'u', NATS_PASSWORD: 'has space' });
    expect(secret).toBe('Invalid configuration: NATS_PASSWORD must be 1 to 1024 printable ASCII characters without spaces (value not shown)');
  });

  it('explains a refused connection in terms of the variables, and says whether retrying helps', () => {
    const user = read('nats://h:4222', { NATS_USER: 'reconciler', NATS_PASSWORD: 'pw' });
    const refused = new NatsError('Authorization Violation', ErrorCode.AuthorizationViolation);
    expect(explainConnectError(refused, user)).toEqual({ fatal: true, message: 'the NATS server refused NATS_USER "reconciler" and NATS_PASSWORD: Authorization Violation' });
    expect(explainConnectError(refused, read('nats://h:4222', {})).message).toBe(
      'the NATS server requires credentials: set NATS_CREDS, NATS_NKEY_SEED, NATS_USER and NATS_PASSWORD, or NATS_TOKEN (Authorization Violation)',
    );
    const tls = read('nats://h:4222', { NATS_TLS_CA_FILE: pki.other.caFile });
    const untrusted = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(explainConnectError(untrusted, tls)).toEqual({
      fatal: true,
      message: `the NATS server's certificate does not verify against the CA in NATS_TLS_CA_FILE (${pki.other.caFile}): unable to verify the first certificate`,
    });
    expect(explainConnectError(NatsError.errorForCode(ErrorCode.ServerOptionNotAvailable), tls).fatal).toBe(true);
    expect(explainConnectError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), user)).toEqual({ fatal: false, message: 'connect ECONNREFUSED' });
    expect(credentialVariables({ kind: 'token', token: 'secret-token' })).not.toContain('secret-token');
  });
});
