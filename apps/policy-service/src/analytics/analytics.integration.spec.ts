import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  AnalyticsTimeseriesView,
  AnalyticsTopView,
  decisionEventsStream,
  decisionEventsSubject,
  toFieldErrors,
  type DecisionEvent,
  type DecisionEventBatch,
} from '@rl/contracts';
import { createTestDatabase, waitFor, type TestDatabase } from '@rl/testing';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { NatsConnection } from 'nats';
import { Client } from 'pg';
import type { Registry } from 'prom-client';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, testNamespace } from '../testing/nats-streams';
import { DecisionEventConsumer } from './decision-event-consumer';
import { ROLLUP_CONSUMER } from './decision-events-stream';

function expectShape(cls: new () => object, body: unknown): void {
  expect(toFieldErrors(validateSync(plainToInstance(cls, body) as object, { whitelist: true, forbidNonWhitelisted: true }))).toEqual([]);
}

const minute = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
const KEY_A = 'aaaaaaaaaaaaaaaa';
const KEY_B = 'bbbbbbbbbbbbbbbb';
const KEY_C = 'cccccccccccccccc';
/** The estimate of a count that nothing contributed to: exact, zero. */
const NOTHING = { exact: true, sampledEvents: 0, sampleRate: null, errorBound: 0 };

function event(overrides: Partial<DecisionEvent>): DecisionEvent {
  return { ts: minute + 1_000, keyHash: KEY_A, policyId: 'free', policyVersion: 2, decision: 'denied', latencyMs: 0.5, region: 'us-east', customerId: 'acme', sampleRate: 1, ...overrides };
}

function batch(sequence: number, events: DecisionEvent[], region = 'us-east'): DecisionEventBatch {
  return { schema: 1, region, instanceId: 'it-1', bootId: 'boot1', sequence, sentAtMs: Date.now(), events };
}

describe('analytics: decision events -> rollups -> REST (real NATS JetStream and PostgreSQL)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let registry: Registry;
  let api: ApiClient;
  let nc: NatsConnection;
  let pg: Client;
  const namespace = testNamespace();

  async function metric(pattern: RegExp): Promise<number> {
    const match = pattern.exec(await registry.metrics());
    return match === null ? 0 : Number(match[1]);
  }

  function publish(subjectRegion: string, payload: unknown): void {
    nc.publish(decisionEventsSubject(namespace, subjectRegion), typeof payload === 'string' ? payload : JSON.stringify(payload));
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app, registry } = await createTestApp({ databaseUrl: db.url, namespace }));
    api = new ApiClient(app, TEST_ADMIN_TOKEN);
    nc = await connectTestNats();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    const jsm = await nc.jetstreamManager();
    await waitFor('the decision-events consumer', async () => {
      try {
        await jsm.consumers.info(decisionEventsStream(namespace), ROLLUP_CONSUMER);
        return true;
      } catch {
        return false;
      }
    });
  });

  afterAll(async () => {
    await app?.close();
    await pg?.end();
    if (nc !== undefined) {
      await deletePolicyChangesStream(nc, namespace);
      await nc.close();
    }
    await db?.drop();
  });

  it('counts batches into per-minute rollups, once each, skipping malformed messages', async () => {
    publish('us-east', '{not json');
    publish('us-east', { ...batch(99, [event({})]), events: [{ ...event({}), keyHash: 'user:42' }] });
    const first = batch(1, [
      event({}),
      event({}),
      event({ ts: minute + 61_000 }),
      event({ keyHash: KEY_B, customerId: '' }),
      event({ keyHash: KEY_C, decision: 'allowed', sampleRate: 0.01 }),
      event({ keyHash: KEY_C, policyId: 'shadow-trial', decision: 'shadow_denied' }),
      event({ keyHash: KEY_C, policyId: 'shadow-trial', decision: 'degraded_shadow_denied' }),
      event({ keyHash: KEY_B, policyId: 'blocked', policyVersion: 0, decision: 'blocked' }),
    ]);
    publish('us-east', first);
    publish('us-east', first); // a redelivered batch (no Nats-Msg-Id here, so JetStream keeps both)
    publish('eu-west', batch(1, [event({ region: 'eu-west' }), event({ region: 'eu-west', decision: 'degraded_allowed', sampleRate: 0.5 })], 'eu-west'));

    await waitFor('batches consumed', async () => (await metric(/rl_analytics_batches_total\{outcome="(?:stored)"[^}]*\} (\d+)/)) >= 2 && (await metric(/rl_analytics_batches_total\{outcome="duplicate"[^}]*\} (\d+)/)) >= 1);
    expect(await metric(/rl_analytics_batches_total\{outcome="rejected"[^}]*\} (\d+)/)).toBe(2);
    expect(await metric(/rl_analytics_batches_total\{outcome="stored"[^}]*\} (\d+)/)).toBe(2);
    expect(await metric(/rl_analytics_batches_total\{outcome="duplicate"[^}]*\} (\d+)/)).toBe(1);
    expect(await metric(/rl_analytics_events_total\{[^}]*\} (\d+)/)).toBe(10);

    const rows = await pg.query(
      `SELECT extract(epoch FROM minute) * 1000 AS minute, region, policy_id, customer_id, key_hash, allowed, denied, shadow_denied, degraded, blocked
       FROM decision_rollups ORDER BY minute, region, policy_id, customer_id, key_hash`,
    );
    expect(rows.rows.map((r) => [Number(r.minute) - minute, r.region, r.policy_id, r.customer_id, r.key_hash, r.allowed, r.denied, r.shadow_denied, r.degraded, r.blocked])).toEqual([
      [0, 'eu-west', 'free', 'acme', KEY_A, 2, '1', '0', 2, '0'],
      [0, 'us-east', 'blocked', 'acme', KEY_B, 0, '0', '0', 0, '1'],
      [0, 'us-east', 'free', '', KEY_B, 0, '1', '0', 0, '0'],
      [0, 'us-east', 'free', 'acme', KEY_A, 0, '2', '0', 0, '0'],
      [0, 'us-east', 'free', 'acme', KEY_C, 100, '0', '0', 0, '0'],
      [0, 'us-east', 'shadow-trial', 'acme', KEY_C, 0, '0', '2', 1, '0'],
      [60_000, 'us-east', 'free', 'acme', KEY_A, 0, '1', '0', 0, '0'],
    ]);
  });

  it('keeps what each estimate rests on: sampled events and variance', async () => {
    const stats = await pg.query(
      `SELECT region, policy_id, key_hash, allowed_events, allowed_variance, degraded_events, degraded_variance FROM decision_rollups
       WHERE minute = $1 AND (allowed_events > 0 OR degraded_events > 0) ORDER BY region, policy_id, key_hash`,
      [new Date(minute)],
    );
    expect(stats.rows.map((r) => [r.region, r.policy_id, r.key_hash, r.allowed_events, r.allowed_variance, r.degraded_events, r.degraded_variance])).toEqual([
      ['eu-west', 'free', KEY_A, '1', 2, '1', 2],
      ['us-east', 'free', KEY_C, '1', 9900, '0', 0],
      ['us-east', 'shadow-trial', KEY_C, '0', 0, '1', 0],
    ]);
  });

  it('serves the most-throttled keys and customers, sorted by denied + shadowDenied + blocked, with estimates labelled and filters', async () => {
    const range = `from=${new Date(minute).toISOString()}&to=${new Date(minute + 10 * 60_000).toISOString()}`;
    const keys = await api.get(`/v1/analytics/top?dimension=key&${range}`);
    expect(keys.statusCode).toBe(200);
    const view = keys.json<AnalyticsTopView>();
    expectShape(AnalyticsTopView, view);
    expect(view).toMatchObject({ from: new Date(minute).toISOString(), dimension: 'key' });
    const none = { blocked: 0, degraded: 0, allowedEstimate: NOTHING, degradedEstimate: NOTHING };
    expect(view.items).toEqual([
      { value: KEY_A, region: 'us-east', policyId: 'free', denied: 3, shadowDenied: 0, allowed: 0, ...none },
      { value: KEY_C, region: 'us-east', policyId: 'shadow-trial', denied: 0, shadowDenied: 2, allowed: 0, ...none, degraded: 1, degradedEstimate: { exact: true, sampledEvents: 1, sampleRate: 1, errorBound: 0 } },
      // One degraded_allowed event kept at 50%: 2 ± 3 (1.96 x sqrt(2 x 1)).
      {
        value: KEY_A,
        region: 'eu-west',
        policyId: 'free',
        denied: 1,
        shadowDenied: 0,
        allowed: 2,
        ...none,
        degraded: 2,
        allowedEstimate: { exact: false, sampledEvents: 1, sampleRate: 0.5, errorBound: 3 },
        degradedEstimate: { exact: false, sampledEvents: 1, sampleRate: 0.5, errorBound: 3 },
      },
      { value: KEY_B, region: 'us-east', policyId: 'blocked', denied: 0, shadowDenied: 0, allowed: 0, ...none, blocked: 1 },
      { value: KEY_B, region: 'us-east', policyId: 'free', denied: 1, shadowDenied: 0, allowed: 0, ...none },
      // One allowed event kept at 1%: 100 ± 196 (1.96 x sqrt(100 x 99)).
      { value: KEY_C, region: 'us-east', policyId: 'free', denied: 0, shadowDenied: 0, allowed: 100, ...none, allowedEstimate: { exact: false, sampledEvents: 1, sampleRate: 0.01, errorBound: 196 } },
    ]);

    const customers = (await api.get(`/v1/analytics/top?dimension=customer&region=us-east&policyId=free&limit=1&${range}`)).json<AnalyticsTopView>();
    expect(customers.items).toEqual([
      { value: 'acme', region: 'us-east', policyId: 'free', denied: 3, shadowDenied: 0, allowed: 100, ...none, allowedEstimate: { exact: false, sampledEvents: 1, sampleRate: 0.01, errorBound: 196 } },
    ]);

    const shadow = (await api.get(`/v1/analytics/top?dimension=key&policyId=shadow-trial&${range}`)).json<AnalyticsTopView>();
    expect(shadow.items.map((i) => [i.value, i.shadowDenied])).toEqual([[KEY_C, 2]]);

    // Picking a customer or a key narrows every list.
    const anonymousKeys = (await api.get(`/v1/analytics/top?dimension=key&customerId=&${range}`)).json<AnalyticsTopView>();
    expect(anonymousKeys.items.map((i) => [i.value, i.policyId, i.denied])).toEqual([[KEY_B, 'free', 1]]);
    const oneKey = (await api.get(`/v1/analytics/top?dimension=customer&keyHash=${KEY_B}&${range}`)).json<AnalyticsTopView>();
    expect(oneKey.items.map((i) => [i.value, i.policyId, i.denied, i.blocked])).toEqual([
      ['', 'free', 1, 0],
      ['acme', 'blocked', 0, 1],
    ]);

    // The default range is the last hour, which holds these minutes.
    expect((await api.get('/v1/analytics/top?dimension=key&limit=2')).json<AnalyticsTopView>().items).toHaveLength(2);
  });

  it('serves per-minute points by region and policy, with blocked and degraded, filtered by customer and key', async () => {
    const range = `from=${new Date(minute + 30_000).toISOString()}&to=${new Date(minute + 10 * 60_000).toISOString()}`;
    const response = await api.get(`/v1/analytics/timeseries?${range}&region=us-east&policyId=free`);
    expect(response.statusCode).toBe(200);
    const view = response.json<AnalyticsTimeseriesView>();
    expectShape(AnalyticsTimeseriesView, view);
    expect(view.stepSeconds).toBe(60);
    const none = { blocked: 0, degraded: 0, allowedEstimate: NOTHING, degradedEstimate: NOTHING };
    expect(view.points).toEqual([
      { minute: new Date(minute).toISOString(), region: 'us-east', policyId: 'free', allowed: 100, denied: 3, shadowDenied: 0, ...none, allowedEstimate: { exact: false, sampledEvents: 1, sampleRate: 0.01, errorBound: 196 } },
      { minute: new Date(minute + 60_000).toISOString(), region: 'us-east', policyId: 'free', allowed: 0, denied: 1, shadowDenied: 0, ...none },
    ]);
    const anonymous = (await api.get(`/v1/analytics/timeseries?${range}&customerId=`)).json<AnalyticsTimeseriesView>();
    expect(anonymous.points).toEqual([{ minute: new Date(minute).toISOString(), region: 'us-east', policyId: 'free', allowed: 0, denied: 1, shadowDenied: 0, ...none }]);
    const everything = (await api.get(`/v1/analytics/timeseries?${range}&keyHash=${KEY_B}`)).json<AnalyticsTimeseriesView>();
    expect(everything.points.map((p) => [p.policyId, p.denied, p.blocked])).toEqual([
      ['blocked', 0, 1],
      ['free', 1, 0],
    ]);
    const degraded = (await api.get(`/v1/analytics/timeseries?${range}&region=eu-west`)).json<AnalyticsTimeseriesView>();
    expect(degraded.points.map((p) => [p.policyId, p.degraded, p.allowed])).toEqual([['free', 2, 2]]);
  });

  it('says the error is unknown for minutes counted before the statistics were kept', async () => {
    await pg.query(`INSERT INTO decision_rollups (minute, region, policy_id, customer_id, key_hash, allowed, denied) VALUES ($1, 'us-east', 'legacy', 'old', $2, 50, 1)`, [
      new Date(minute + 120_000),
      KEY_A,
    ]);
    const range = `from=${new Date(minute).toISOString()}&to=${new Date(minute + 10 * 60_000).toISOString()}`;
    const legacy = (await api.get(`/v1/analytics/top?dimension=key&policyId=legacy&${range}`)).json<AnalyticsTopView>();
    expect(legacy.items).toEqual([
      expect.objectContaining({ allowed: 50, denied: 1, allowedEstimate: { exact: false, sampledEvents: null, sampleRate: null, errorBound: null } }),
    ]);
  });

  it('rejects bad queries with the field name, and requests without a token', async () => {
    const fieldOf = async (url: string): Promise<unknown> => {
      const response = await api.get(url);
      expect(response.statusCode).toBe(400);
      return response.json<{ fields: { path: string }[] }>().fields.map((f) => f.path);
    };
    expect(await fieldOf('/v1/analytics/top')).toEqual(['dimension']);
    expect(await fieldOf('/v1/analytics/top?dimension=ip')).toEqual(['dimension']);
    expect(await fieldOf('/v1/analytics/top?dimension=key&limit=0')).toEqual(['limit']);
    expect(await fieldOf('/v1/analytics/top?dimension=key&limit=101')).toEqual(['limit']);
    expect(await fieldOf('/v1/analytics/top?dimension=key&region=US')).toEqual(['region']);
    expect(await fieldOf('/v1/analytics/top?dimension=key&policyId=a%20b')).toEqual(['policyId']);
    expect(await fieldOf('/v1/analytics/top?dimension=key&from=yesterday')).toEqual(['from']);
    expect(await fieldOf('/v1/analytics/timeseries?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z')).toEqual(['from']);
    expect(await fieldOf('/v1/analytics/timeseries?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z')).toEqual(['from']);
    expect(await fieldOf('/v1/analytics/timeseries?customerId=%01')).toEqual(['customerId']);
    expect(await fieldOf('/v1/analytics/timeseries?extra=1')).toEqual(['extra']);
    expect(await fieldOf('/v1/analytics/top?dimension=key&keyHash=user:42')).toEqual(['keyHash']);
    expect(await fieldOf('/v1/analytics/timeseries?keyHash=AAAAAAAAAAAAAAAA')).toEqual(['keyHash']);
    expect((await api.as(undefined).get('/v1/analytics/top?dimension=key')).statusCode).toBe(401);
  });

  it('deletes minutes older than ANALYTICS_RETENTION_DAYS', async () => {
    const old = new Date(Date.now() - 31 * 86_400_000);
    old.setUTCSeconds(0, 0);
    await pg.query(`INSERT INTO decision_rollups (minute, region, policy_id, customer_id, key_hash, denied) VALUES ($1, 'us-east', 'free', 'old', $2, 5)`, [old, KEY_A]);
    const before = Number((await pg.query('SELECT count(*) AS n FROM decision_rollups')).rows[0].n);
    expect(await app.get(DecisionEventConsumer).applyRetention()).toBe(1);
    expect(Number((await pg.query('SELECT count(*) AS n FROM decision_rollups')).rows[0].n)).toBe(before - 1);
    expect(await metric(/rl_analytics_rollup_rows_deleted_total\{[^}]*\} (\d+)/)).toBe(1);
  });
  it('a deleted stream is re-created with its consumer, and batches are counted again', async () => {
    const jsm = await nc.jetstreamManager();
    const stored = (): Promise<number> => metric(/rl_analytics_batches_total\{outcome="stored"[^}]*\} (\d+)/);
    const before = await stored();
    await jsm.streams.delete(decisionEventsStream(namespace));
    await waitFor('the stream and its consumer re-created', async () => {
      try {
        await jsm.consumers.info(decisionEventsStream(namespace), ROLLUP_CONSUMER);
        return true;
      } catch {
        return false;
      }
    }, 20_000, 100);
    publish('us-east', batch(500, [event({ ts: minute + 120_000 })]));
    await waitFor('the batch counted', async () => (await stored()) === before + 1, 20_000, 100);
  });
});
