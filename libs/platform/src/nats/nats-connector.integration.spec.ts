import { Writable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestNatsOperator, createTestPki, natsPermissionLayout, startNatsServer, waitFor, type NatsServerHandle, type TestPki } from '@rl/devstack';
import { connect, nkeys } from 'nats';
import pino from 'pino';
import { loadEnv } from '../config/load-env';
import { createLogger } from '../logging/create-logger';
import { NATS_AUTH_ENV, natsTransportProblems, natsTransportSettings } from './nats-auth-env';
import type { NatsTransportSettings } from './nats-auth';
import { NatsConnector } from './nats-connector';

/** Log lines a connector wrote, parsed. */
class LogCapture {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });

  text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }
}

function transport(url: string, env: Record<string, string>): NatsTransportSettings {
  const values = loadEnv(NATS_AUTH_ENV, env);
  expect(natsTransportProblems(url, values)).toEqual([]);
  return natsTransportSettings(url, values);
}

interface Started {
  readonly connector: NatsConnector;
  readonly logs: LogCapture;
  readonly fatal: string[];
}

const running: NatsConnector[] = [];

function start(options: { url: string; env: Record<string, string>; onConnect?: Parameters<NatsConnector['start']>[0] }): Started {
  const logs = new LogCapture();
  const fatal: string[] = [];
  const connector = new NatsConnector({
    url: options.url,
    name: 'connector test',
    logger: createLogger({ service: 'test', level: 'info', destination: logs.stream }),
    transport: transport(options.url, options.env),
    retryMs: 50,
    onFatal: (message) => fatal.push(message),
  });
  connector.start(options.onConnect);
  running.push(connector);
  return { connector, logs, fatal };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
});

describe('NatsConnector against a nats-server with users and permissions', () => {
  const layout = natsPermissionLayout({ namespace: 'authz', regions: ['us-east'] });
  const PASSWORD = 'reconciler-pw-0123';
  const policyServiceKey = nkeys.createUser();
  const seedOf = (pair: ReturnType<typeof nkeys.createUser>): string => new TextDecoder().decode(pair.getSeed());
  let server: NatsServerHandle;

  beforeAll(async () => {
    server = await startNatsServer({
      users: [
        { ...layout.reconciler, password: PASSWORD },
        { ...layout.enforcers['us-east'], password: 'enforcer-pw-0123' },
        { ...layout.policyService, nkey: policyServiceKey.getPublicKey() },
      ],
    });
  });

  it('connects with NATS_NKEY_SEED (the server holds only the public key); another seed is refused at boot', async () => {
    const { connector } = start({ url: server.url, env: { NATS_NKEY_SEED: seedOf(policyServiceKey), NATS_INBOX_PREFIX: layout.policyService.inboxPrefix } });
    await (await connector.ready(10_000)).jetstreamManager();
    const { fatal } = start({ url: server.url, env: { NATS_NKEY_SEED: seedOf(nkeys.createUser()) } });
    await waitFor('the fatal callback', async () => fatal.length > 0, 10_000);
    expect(fatal[0]).toBe('the NATS server refused NATS_NKEY_SEED: Authorization Violation');
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('connects with NATS_USER and NATS_PASSWORD, replies arrive on the NATS_INBOX_PREFIX it may subscribe to', async () => {
    const { connector } = start({ url: server.url, env: { NATS_USER: 'reconciler', NATS_PASSWORD: PASSWORD, NATS_INBOX_PREFIX: layout.reconciler.inboxPrefix } });
    const nc = await connector.ready(10_000);
    // A JetStream API request: the reply comes on _INBOX.reconciler.<id>.
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'AUTHZ_GLOBAL_ALLOCATIONS', subjects: ['authz.global.allocations.>'] });
    expect((await jsm.streams.info('AUTHZ_GLOBAL_ALLOCATIONS')).config.name).toBe('AUTHZ_GLOBAL_ALLOCATIONS');
    expect(connector.notReadyReason()).toBeUndefined();
  });

  it('a refused password stops at boot with one fatal message naming the variables, and never retries', async () => {
    const { connector, fatal } = start({ url: server.url, env: { NATS_USER: 'reconciler', NATS_PASSWORD: 'wrong-password' } });
    await waitFor('the fatal callback', async () => fatal.length > 0, 10_000);
    expect(fatal).toEqual(['the NATS server refused NATS_USER "reconciler" and NATS_PASSWORD: Authorization Violation']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fatal).toHaveLength(1);
    expect(connector.notReadyReason()).toBe(`cannot connect: the NATS server refused NATS_USER "reconciler" and NATS_PASSWORD: Authorization Violation (${server.url})`);
    expect(connector.notReadyReason()).not.toContain('wrong-password');
  });

  it('no credentials against a server that requires them: fatal, saying which variables to set', async () => {
    const { fatal } = start({ url: server.url, env: {} });
    await waitFor('the fatal callback', async () => fatal.length > 0, 10_000);
    expect(fatal[0]).toBe('the NATS server requires credentials: set NATS_CREDS, NATS_NKEY_SEED, NATS_USER and NATS_PASSWORD, or NATS_TOKEN (Authorization Violation)');
  });

  it('a publish the user lacks is denied, logged with its subject, and turns the service not ready; the connection stays up', async () => {
    const { connector, logs } = start({ url: server.url, env: { NATS_USER: 'enforcer-us-east', NATS_PASSWORD: 'enforcer-pw-0123', NATS_INBOX_PREFIX: layout.enforcers['us-east'].inboxPrefix } });
    const nc = await connector.ready(10_000);
    nc.publish('authz.global.usage.us-east', 'allowed');
    // A forged allocation from an enforcer's credentials:
    nc.publish('authz.global.allocations.us-east', 'forged');
    await waitFor('the denial', async () => connector.lastPermissionDenial() !== undefined, 10_000);
    expect(connector.lastPermissionDenial()).toMatchObject({ operation: 'publish', subject: 'authz.global.allocations.us-east' });
    expect(connector.notReadyReason()).toBe(`the NATS server denied publish on "authz.global.allocations.us-east" to this service's NATS user (${server.url})`);
    expect(nc.isClosed()).toBe(false);
    await nc.flush();
    expect(connector.connection()).toBe(nc);
    await waitFor('the log line', async () => logs.text().includes('NATS denied publish on \\"authz.global.allocations.us-east\\"'), 5_000);
    expect(logs.lines.find((l) => String(l.msg).startsWith('NATS denied publish'))).toMatchObject({ level: 'error', operation: 'publish', subject: 'authz.global.allocations.us-east' });
    expect(logs.text()).not.toContain('enforcer-pw-0123');
  });

  it('a set-up step the user may not do (creating a stream) keeps the service not ready with the reason, retrying, without crashing', async () => {
    let attempts = 0;
    const { connector, fatal } = start({
      url: server.url,
      env: { NATS_USER: 'enforcer-us-east', NATS_PASSWORD: 'enforcer-pw-0123', NATS_INBOX_PREFIX: layout.enforcers['us-east'].inboxPrefix },
      onConnect: async (nc) => {
        attempts += 1;
        await (await nc.jetstreamManager()).streams.add({ name: 'AUTHZ_POLICY_CHANGES', subjects: ['authz.policy.changes'] });
      },
    });
    await waitFor('a few attempts', async () => attempts >= 3, 10_000);
    expect(fatal).toEqual([]);
    expect(connector.connection()).toBeUndefined();
    expect(connector.notReadyReason()).toContain('Permissions Violation for Publish to "$JS.API.STREAM.CREATE.AUTHZ_POLICY_CHANGES"');
  });

  it('a subscription the user lacks ends with the permission error; the connection stays up', async () => {
    const { connector } = start({ url: server.url, env: { NATS_USER: 'enforcer-us-east', NATS_PASSWORD: 'enforcer-pw-0123', NATS_INBOX_PREFIX: layout.enforcers['us-east'].inboxPrefix } });
    const nc = await connector.ready(10_000);
    // Another region's usage is the reconciler's to read.
    const sub = nc.subscribe('authz.global.usage.*');
    const ended = (async () => {
      try {
        for await (const _message of sub) return 'message';
        return 'ended';
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    })();
    expect(await ended).toContain('Permissions Violation for Subscription to "authz.global.usage.*"');
    await waitFor('the denial', async () => connector.lastPermissionDenial() !== undefined, 5_000);
    expect(connector.lastPermissionDenial()).toMatchObject({ operation: 'subscription', subject: 'authz.global.usage.*' });
    expect(nc.isClosed()).toBe(false);
  });
});

describe('NatsConnector with a creds file (NATS_CREDS), against a nats-server in operator mode', () => {
  const layout = natsPermissionLayout({ namespace: 'creds', regions: ['us-east'] });
  const operator = createTestNatsOperator();
  let server: NatsServerHandle;
  let dir: string;

  beforeAll(async () => {
    server = await startNatsServer({ extraConfig: operator.serverConfig });
    dir = mkdtempSync(join(tmpdir(), 'rl-creds-'));
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const credsFile = (name: string, text: string): string => {
    const path = join(dir, `${name}.creds`);
    writeFileSync(path, text);
    return path;
  };

  it('connects with the user JWT and seed; the JWT\'s permissions apply', async () => {
    const path = credsFile('enforcer', operator.creds(layout.enforcers['us-east']));
    const { connector } = start({ url: server.url, env: { NATS_CREDS: path, NATS_INBOX_PREFIX: layout.enforcers['us-east'].inboxPrefix } });
    const nc = await connector.ready(10_000);
    nc.publish('creds.global.usage.us-east', 'report');
    nc.publish('creds.policy.changes', 'forged');
    await waitFor('the denial', async () => connector.lastPermissionDenial() !== undefined, 5_000);
    expect(connector.lastPermissionDenial()).toMatchObject({ operation: 'publish', subject: 'creds.policy.changes' });
  });

  it('a creds file of another operator is refused at boot, naming NATS_CREDS and its path', async () => {
    const path = credsFile('stranger', createTestNatsOperator().creds(layout.reconciler));
    const { fatal } = start({ url: server.url, env: { NATS_CREDS: path } });
    await waitFor('the fatal callback', async () => fatal.length > 0, 10_000);
    expect(fatal[0]).toMatch(new RegExp(`^the NATS server refused NATS_CREDS \\(${path}\\): `));
  });
});

describe('NatsConnector with TLS', () => {
  let pki: TestPki;
  let tlsServer: NatsServerHandle;
  let mutualServer: NatsServerHandle;
  let plainServer: NatsServerHandle;

  beforeAll(async () => {
    pki = createTestPki();
    tlsServer = await startNatsServer({ tls: { certFile: pki.trusted.serverCertFile, keyFile: pki.trusted.serverKeyFile } });
    mutualServer = await startNatsServer({ tls: { certFile: pki.trusted.serverCertFile, keyFile: pki.trusted.serverKeyFile, caFile: pki.trusted.caFile, verifyClients: true } });
    plainServer = await startNatsServer();
  });

  afterAll(async () => {
    await Promise.all([tlsServer?.stop(), mutualServer?.stop(), plainServer?.stop()]);
    pki?.remove();
  });

  it('connects to a TLS server whose certificate chains to NATS_TLS_CA_FILE', async () => {
    const { connector } = start({ url: tlsServer.url, env: { NATS_TLS_CA_FILE: pki.trusted.caFile } });
    const nc = await connector.ready(10_000);
    expect(nc.info?.tls_required).toBe(true);
  });

  it('a certificate from another CA is refused at boot, naming NATS_TLS_CA_FILE', async () => {
    const { fatal } = start({ url: tlsServer.url, env: { NATS_TLS_CA_FILE: pki.other.caFile } });
    await waitFor('the fatal callback', async () => fatal.length > 0, 10_000);
    expect(fatal[0]).toMatch(new RegExp(`^the NATS server's certificate does not verify against the CA in NATS_TLS_CA_FILE \\(${pki.other.caFile}\\): `));
  });

  it('tls:// without a CA file verifies against the system CAs, which do not know the test CA', async () => {
    const { fatal } = start({ url: tlsServer.url, env: {} });
    await waitFor('the fatal callback', async () => fatal.length > 0, 10_000);
    expect(fatal[0]).toContain("the system's CAs (set NATS_TLS_CA_FILE to the CA that signed it)");
  });

  it('never falls back to plaintext: TLS settings against a server without TLS are refused', async () => {
    const url = plainServer.url.replace('nats://', 'tls://');
    const { fatal, connector } = start({ url, env: { NATS_TLS_CA_FILE: pki.trusted.caFile } });
    await waitFor('the fatal callback', async () => fatal.length > 0, 10_000);
    expect(fatal[0]).toBe('TLS is required (NATS_URL is tls:// or NATS_TLS_* is set) but the NATS server does not offer it; nothing is sent in plaintext');
    expect(connector.connection()).toBeUndefined();
  });

  it('mutual TLS: connects with the client certificate the server trusts', async () => {
    const { connector } = start({
      url: mutualServer.url,
      env: { NATS_TLS_CA_FILE: pki.trusted.caFile, NATS_TLS_CERT_FILE: pki.trusted.clientCertFile, NATS_TLS_KEY_FILE: pki.trusted.clientKeyFile },
    });
    await connector.ready(10_000);
  });

  it('mutual TLS: a client certificate from another CA does not get in; the reason points at NATS_TLS_CERT_FILE', async () => {
    const { connector, fatal } = start({
      url: mutualServer.url,
      env: { NATS_TLS_CA_FILE: pki.trusted.caFile, NATS_TLS_CERT_FILE: pki.other.clientCertFile, NATS_TLS_KEY_FILE: pki.other.clientKeyFile },
    });
    await waitFor('a failed attempt', async () => (connector.notReadyReason() ?? '').includes('NATS_TLS_CERT_FILE'), 15_000);
    expect(connector.connection()).toBeUndefined();
    expect(fatal).toEqual([]);
  });
});

/** NatsConnector against a private nats-server that the test stops. */
const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('NatsConnector (private nats-server)', () => {
  let nats: NatsServerHandle;

  beforeAll(async () => {
    nats = await startNatsServer();
  });

  afterAll(async () => {
    await nats?.stop();
  });

  it('close drains: a message published just before it reaches a subscriber', async () => {
    const subscriber = await connect({ servers: nats.url });
    const received: string[] = [];
    const sub = subscriber.subscribe('drain.test', { callback: (_error, msg) => received.push(new TextDecoder().decode(msg.data)) });
    await subscriber.flush();
    const link = new NatsConnector({ url: nats.url, name: 'drain test', logger: quietLogger });
    link.start();
    const nc = await link.ready(10_000);
    nc.publish('drain.test', 'last words');
    await link.close();
    await waitFor('the message', async () => received.length === 1, 5_000);
    expect(received).toEqual(['last words']);
    sub.unsubscribe();
    await subscriber.close();
  });

  it('close returns promptly while the server is gone (no drain that waits for it forever)', async () => {
    const link = new NatsConnector({ url: nats.url, name: 'outage test', logger: quietLogger });
    link.start();
    await link.ready(10_000);
    await nats.stopProcess();
    try {
      await waitFor('the disconnect noticed', async () => link.notReadyReason() !== undefined, 10_000);
      const started = Date.now();
      await link.close();
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await nats.restart();
    }
  });
});
