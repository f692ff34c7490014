import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  globalAllocationsStream,
  globalAllocationsSubject,
  globalAllocationsWildcard,
  globalUsageSubject,
  parseUsageReport,
  type AllocationUpdate,
  type PolicyDocument,
  type UsageReport,
} from '@rl/contracts';
import { startNatsServer, type NatsServerHandle } from '@rl/devstack';
import { startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import { MessageVerifier } from '@rl/platform';
import { connect, nanos, StorageType, type NatsConnection, type Subscription } from 'nats';
import { createTestApp } from '../testing/create-test-app';
import { forgerSigner, globalSigningEnv, signedAllocation, testUsageKey } from '../testing/signing-keys';
import { GlobalSyncService } from './global-sync.service';

/**
 * The enforcer side of global limits against real services: per-region redis-servers, NATS with
 * JetStream (the shared server with a namespace of its own, or a private nats-server that the test
 * stops), and in-process enforcers. The test plays the reconciler: it publishes allocations to the
 * stream and reads the usage reports.
 */

const WINDOW_SECONDS = 3_600;
const LIMIT = 40;
const REGIONS = 'us-east,eu-west';
const encoder = new TextEncoder();

const document: PolicyDocument = {
  policies: [
    {
      id: 'global-search',
      match: { customerTier: 'free' },
      algorithm: 'fixed_window',
      limit: LIMIT,
      windowSeconds: WINDOW_SECONDS,
      burst: LIMIT,
      scope: 'global',
      failureMode: 'open',
      mode: 'enforce',
      version: 1,
    },
  ],
  overrides: [],
  customers: { acme: { tier: 'free' } },
};

const windowStart = (): number => Math.floor(Date.now() / (WINDOW_SECONDS * 1000)) * WINDOW_SECONDS * 1000;

/** A signed allocation update, as the reconciler publishes it (`signer`: the reconciler's key unless given). */
function allocation(input: { epoch: number; region: string; keys: [string, number][]; signer?: typeof forgerSigner }): Uint8Array {
  const update: AllocationUpdate = {
    schema: 1,
    epoch: input.epoch,
    region: input.region,
    issuedAtMs: Date.now(),
    leaseSeconds: 5,
    windows: [{ policyId: 'global-search', windowStartMs: windowStart(), windowSeconds: WINDOW_SECONDS, limit: LIMIT, keys: input.keys }],
  };
  return input.signer === undefined ? signedAllocation(update) : signedAllocation(update, input.signer);
}

let dir: string;
let policyFile: string;

beforeAll(async () => {
  // Counts restart with each hour-long window: keep the whole file inside one of them.
  const windowMs = WINDOW_SECONDS * 1000;
  const untilEnd = windowStart() + windowMs - Date.now();
  if (untilEnd < 45_000) await new Promise((resolve) => setTimeout(resolve, untilEnd + 100));
  dir = mkdtempSync(join(tmpdir(), 'rl-global-sync-'));
  policyFile = join(dir, 'policies.json');
  writeFileSync(policyFile, JSON.stringify(document));
}, 90_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function createStream(nc: NatsConnection, namespace: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: globalAllocationsStream(namespace), subjects: [globalAllocationsWildcard(namespace)], storage: StorageType.File, max_age: nanos(300_000) });
}

async function startEnforcer(input: {
  region: string;
  redis: RedisServerHandle;
  natsUrl: string;
  namespace: string;
  instance?: string;
  syncIntervalMs?: number;
}): Promise<NestFastifyApplication> {
  const { app } = await createTestApp({
    store: 'from-config',
    env: {
      REGION: input.region,
      GLOBAL_REGIONS: REGIONS,
      GLOBAL_SYNC_INTERVAL_MS: String(input.syncIntervalMs ?? 200),
      REDIS_URL: input.redis.url,
      NATS_URL: input.natsUrl,
      NATS_NAMESPACE: input.namespace,
      POLICY_FILE: policyFile,
      INSTANCE_ID: input.instance ?? `global-${input.region}`,
      ...globalSigningEnv(input.region),
    },
  });
  await waitFor(`${input.region} ready`, async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 20_000);
  await waitFor(`${input.region} read the allocation stream`, async () => app.get(GlobalSyncService).allocationsCaughtUp, 20_000);
  return app;
}

async function check(app: NestFastifyApplication, key: string, cost = 1): Promise<number> {
  const response = await app.inject({ method: 'POST', url: '/v1/check', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ key, customerId: 'acme', cost }) });
  return response.statusCode;
}

async function admittedOf(app: NestFastifyApplication, key: string, attempts: number): Promise<number> {
  const statuses = await Promise.all(Array.from({ length: attempts }, () => check(app, key)));
  expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
  return statuses.filter((s) => s === 200).length;
}

/** Collects the usage reports of one region, each verified with the region's key as the reconciler does. */
function collectReports(nc: NatsConnection, namespace: string, region: string): { reports: UsageReport[]; sub: Subscription } {
  const reports: UsageReport[] = [];
  const verifier = MessageVerifier.fromText([testUsageKey(region).publicKey]);
  const sub = nc.subscribe(globalUsageSubject(namespace, region));
  void (async () => {
    for await (const message of sub) {
      const verified = verifier.verify('usage-report', message.data);
      if (!verified.ok) throw new Error(`a usage report that does not verify: ${verified.reason}`);
      const parsed = parseUsageReport(verified.payload);
      if (!parsed.ok) throw new Error(`invalid usage report: ${JSON.stringify(parsed.errors)}`);
      reports.push(parsed.value);
    }
  })();
  return { reports, sub };
}

describe('global limits on the shared NATS (namespace of its own)', () => {
  const namespace = `gsync${process.pid}`;
  let nc: NatsConnection;
  let redisEast: RedisServerHandle;
  let redisWest: RedisServerHandle;
  let east: NestFastifyApplication;
  let west: NestFastifyApplication;

  beforeAll(async () => {
    nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    await createStream(nc, namespace);
    [redisEast, redisWest] = await Promise.all([startRedisServer(), startRedisServer()]);
    east = await startEnforcer({ region: 'us-east', redis: redisEast, natsUrl: 'nats://127.0.0.1:4222', namespace });
    west = await startEnforcer({ region: 'eu-west', redis: redisWest, natsUrl: 'nats://127.0.0.1:4222', namespace });
  });

  afterAll(async () => {
    await east?.close();
    await west?.close();
    await (await nc?.jetstreamManager())?.streams.delete(globalAllocationsStream(namespace)).catch(() => undefined);
    await nc?.close();
    await redisEast?.stop();
    await redisWest?.stop();
  });

  it('enforces the static split per region before any allocation, atomically under concurrency', async () => {
    // 2 regions: each admits floor(40 / 2) = 20 of the 60 concurrent requests it gets; never more.
    const [inEast, inWest] = await Promise.all([admittedOf(east, 'split', 60), admittedOf(west, 'split', 60)]);
    expect([inEast, inWest]).toEqual([20, 20]);
  });

  it('applies a newer allocation, ignores a stale one, and acknowledges the epoch in its reports', async () => {
    const sync = east.get(GlobalSyncService);
    const js = nc.jetstream();
    const subject = globalAllocationsSubject(namespace, 'us-east');
    await js.publish(subject, allocation({ epoch: 10, region: 'us-east', keys: [['moved', 30]] }));
    await waitFor('epoch 10 applied', async () => sync.table.appliedEpoch === 10, 10_000);
    // A stale update (epoch <= held), then a newer one for another key: once that one is applied,
    // the stale one has been delivered before it, in stream order.
    await js.publish(subject, allocation({ epoch: 9, region: 'us-east', keys: [['moved', 40]] }));
    await js.publish(subject, allocation({ epoch: 11, region: 'us-east', keys: [['other', 5]] }));
    await waitFor('epoch 11 applied', async () => sync.table.appliedEpoch === 11, 10_000);
    expect(await admittedOf(east, 'moved', 50)).toBe(30);

    const { reports, sub } = collectReports(nc, namespace, 'us-east');
    try {
      await waitFor('a report acknowledging epoch 11', async () => reports.some((r) => r.appliedEpoch === 11 && r.windows.length > 0), 10_000);
    } finally {
      sub.unsubscribe();
    }
  });

  it('a new instance reads the allocations in the stream before it decides: a lowered cap, not the static split', async () => {
    // Epoch 11 gave us-east 5 for "other", below the static split of 20.
    const second = await startEnforcer({ region: 'us-east', redis: redisEast, natsUrl: 'nats://127.0.0.1:4222', namespace, instance: 'global-us-east-2' });
    try {
      expect(second.get(GlobalSyncService).table.appliedEpoch).toBe(11);
      expect(await admittedOf(second, 'other', 12)).toBe(5);
    } finally {
      await second.close();
    }
  });

  it('acknowledges a new epoch as soon as it has settled, not at the next report interval', async () => {
    // Reports every minute: an acknowledgement within seconds can only be the early one, sent once
    // decisions that read the old cap have finished (at most REDIS_COMMAND_TIMEOUT_MS of silence from Redis).
    const slow = await startEnforcer({ region: 'eu-west', redis: redisWest, natsUrl: 'nats://127.0.0.1:4222', namespace, instance: 'global-eu-west-slow', syncIntervalMs: 60_000 });
    const { reports, sub } = collectReports(nc, namespace, 'eu-west');
    try {
      await nc.jetstream().publish(globalAllocationsSubject(namespace, 'eu-west'), allocation({ epoch: 12, region: 'eu-west', keys: [['acked', 7]] }));
      await waitFor('an acknowledgement of epoch 12 from the slow instance', async () => reports.some((r) => r.instanceId === 'global-eu-west-slow' && r.appliedEpoch === 12), 10_000);
    } finally {
      sub.unsubscribe();
      await slow.close();
    }
  });

  it('reports absolute counts: the same totals in every report until usage changes', async () => {
    const { reports, sub } = collectReports(nc, namespace, 'eu-west');
    try {
      for (let i = 0; i < 3; i++) await check(west, 'absolute', 2);
      // A report built between two of the checks rightly holds a partial count: look at later ones.
      const checkedAt = Date.now();
      const countsOf = (r: UsageReport) => r.windows.find((w) => w.policyId === 'global-search')?.keys.find((k) => k[0] === 'absolute');
      const after = (): UsageReport[] => reports.filter((r) => r.sentAtMs > checkedAt && countsOf(r) !== undefined);
      await waitFor('three reports with the totals', async () => after().length >= 3, 10_000);
      for (const k of after().map(countsOf)) expect(k).toEqual(['absolute', 6, 0]);
      const sequences = reports.map((r) => r.sequence);
      expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
      expect(new Set(sequences).size).toBe(sequences.length);
      expect(reports.every((r) => r.region === 'eu-west' && r.instanceId === 'global-eu-west')).toBe(true);
    } finally {
      sub.unsubscribe();
    }
  });

  it('applies no forged allocation from the stream (unsigned, another key), and the next genuine epoch still applies', async () => {
    const sync = east.get(GlobalSyncService);
    const js = nc.jetstream();
    const subject = globalAllocationsSubject(namespace, 'us-east');
    const before = sync.table.appliedEpoch;
    // A forged epoch far ahead would make every later genuine epoch look stale if it were applied.
    const forged = { epoch: 1_000_000_000, region: 'us-east', keys: [['moved', 40]] as [string, number][] };
    const unsigned = JSON.stringify({ schema: 1, issuedAtMs: Date.now(), leaseSeconds: 5, ...forged, windows: [{ policyId: 'global-search', windowStartMs: windowStart(), windowSeconds: WINDOW_SECONDS, limit: LIMIT, keys: forged.keys }] });
    await js.publish(subject, encoder.encode(unsigned), { msgID: `alloc-${before + 1}-us-east-0` });
    await js.publish(subject, allocation({ ...forged, signer: forgerSigner }));
    const metric = async (): Promise<string> => (await east.inject({ method: 'GET', url: '/metrics' })).body;
    await waitFor('two rejections', async () => /rl_global_allocation_signature_rejections_total\{reason="unsigned"[^}]*\} 1/.test(await metric()) && /reason="unknown_key"[^}]*\} 1/.test(await metric()), 10_000);
    expect(sync.table.appliedEpoch).toBe(before);
    await js.publish(subject, allocation({ epoch: before + 1, region: 'us-east', keys: [['moved', 30]] }));
    await waitFor('the genuine epoch applied', async () => sync.table.appliedEpoch === before + 1, 10_000);
    expect(await admittedOf(east, 'moved', 10)).toBe(0);
  });
});

describe('global limits after the allocation stream expired (issue 18)', () => {
  const namespace = `gexpired${process.pid}`;
  let nc: NatsConnection;
  let redis: RedisServerHandle;

  beforeAll(async () => {
    nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await (await nc?.jetstreamManager())?.streams.delete(globalAllocationsStream(namespace)).catch(() => undefined);
    await nc?.close();
    await redis?.stop();
  });

  it('a new instance reads an expired stream to its end at once (no message, last sequence never seen again)', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: globalAllocationsStream(namespace), subjects: [globalAllocationsWildcard(namespace)], storage: StorageType.File, max_age: nanos(1_000), duplicate_window: nanos(1_000) });
    for (let epoch = 1; epoch <= 5; epoch++) await nc.jetstream().publish(globalAllocationsSubject(namespace, 'us-east'), allocation({ epoch, region: 'us-east', keys: [['gone', 3]] }));
    await waitFor('every allocation expired', async () => (await jsm.streams.info(globalAllocationsStream(namespace))).state.messages === 0, 15_000, 100);

    // Minute-long sync interval: the catch-up timeout (5 intervals) cannot be what marks it caught up.
    const started = Date.now();
    const east = await startEnforcer({ region: 'us-east', redis, natsUrl: 'nats://127.0.0.1:4222', namespace, instance: 'global-expired', syncIntervalMs: 60_000 });
    try {
      const sync = east.get(GlobalSyncService);
      expect(sync.allocationsCaughtUp).toBe(true);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(sync.table.appliedEpoch).toBe(0);
      // Nothing held for the key: the static split, not "no cap yet".
      expect(await admittedOf(east, 'gone', 25)).toBe(20);
    } finally {
      await east.close();
    }
  });
});

describe('global limits through a NATS outage (private nats-server)', () => {
  const namespace = 'goutage';
  let nats: NatsServerHandle;
  let redis: RedisServerHandle;
  let east: NestFastifyApplication;

  beforeAll(async () => {
    nats = await startNatsServer();
    const nc = await connect({ servers: nats.url });
    await createStream(nc, namespace);
    await nc.close();
    redis = await startRedisServer();
    east = await startEnforcer({ region: 'us-east', redis, natsUrl: nats.url, namespace });
  });

  afterAll(async () => {
    await east?.close();
    await nats?.stop();
    await redis?.stop();
  });

  it('keeps enforcing the last allocation while NATS is down (never zero, never unlimited) and recovers after', async () => {
    const sync = east.get(GlobalSyncService);
    let nc = await connect({ servers: nats.url });
    await nc.jetstream().publish(globalAllocationsSubject(namespace, 'us-east'), allocation({ epoch: 3, region: 'us-east', keys: [['cut', 25]] }));
    await waitFor('epoch 3 applied', async () => sync.table.appliedEpoch === 3, 10_000);
    await nc.close();

    await nats.stopProcess();
    // Down: the allocation (25, not the default split of 20, not 0, not unlimited) stays in force.
    expect(await admittedOf(east, 'cut', 20)).toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await admittedOf(east, 'cut', 20)).toBe(5);

    await nats.restart();
    nc = await connect({ servers: nats.url });
    try {
      const { reports, sub } = collectReports(nc, namespace, 'us-east');
      await nc.jetstream().publish(globalAllocationsSubject(namespace, 'us-east'), allocation({ epoch: 4, region: 'us-east', keys: [['cut', 32]] }));
      await waitFor('epoch 4 applied after NATS is back', async () => sync.table.appliedEpoch === 4, 30_000, 100);
      expect(await admittedOf(east, 'cut', 20)).toBe(7);
      await waitFor('usage reports again, with the absolute count', async () => reports.some((r) => r.windows.some((w) => w.keys.some((k) => k[0] === 'cut' && k[1] === 32))), 30_000, 100);
      sub.unsubscribe();
    } finally {
      await nc.close();
    }
  });
});
