/**
 * Issue 16 figures, each against a check measured in the same run (interleaved rounds, the same
 * client, one enforcer on its own redis-server, `npm start`'s settings):
 *   1. acquire + release round trips/s (two HTTP calls, two scripts) ÷ checks/s;
 *   2. checks/s with `settle: true` (the decision record: one more script call) ÷ checks/s;
 *   3. settles/s ÷ checks/s;
 *   4. the same two for a stacked policy (a minute bucket and a calendar month), against a check of
 *      that policy: its record names both counters, and its settle adjusts both in one script.
 * The ratios are the figures; absolute numbers depend on this shared machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNodeService, startRedisServer } from '@rl/devstack';
import { closedLoop } from './support/closed-loop';
import type { Figure } from './support/report';
import { median } from './support/stats';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLERS = 50;
const KEYS = 100_000;

/** A rate policy and a concurrency policy too large to deny, so every call does its full work. */
const POLICIES = {
  policies: [
    { id: 'bench-rate', match: { customerId: 'bench' }, algorithm: 'token_bucket', limit: 1_000_000_000, windowSeconds: 60 },
    { id: 'bench-in-flight', match: { customerId: 'bench' }, algorithm: 'concurrency', limit: 1_000_000, leaseSeconds: 60 },
    {
      id: 'bench-plan',
      match: { customerId: 'bench-plan' },
      algorithm: 'token_bucket',
      limit: 1_000_000_000,
      windowSeconds: 60,
      limits: [
        { name: 'minute', limit: 1_000_000_000, windowSeconds: 60 },
        { name: 'month', limit: 1_000_000_000, window: 'calendar-month', timeZone: 'UTC', algorithm: 'fixed_window' },
      ],
    },
  ],
  overrides: [],
  customers: {},
};

/** One POST over a keep-alive node:http agent; resolves with the status and the body text. */
function post(input: { agent: Agent; url: URL; body: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(input.url, { method: 'POST', agent: input.agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(input.body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(input.body);
  });
}

function expectStatus(reply: { status: number; text: string }, status: number, what: string): { status: number; text: string } {
  if (reply.status !== status) throw new Error(`${what} answered ${reply.status}: ${reply.text}`);
  return reply;
}

const randomKey = (): string => `user:${1 + Math.floor(Math.random() * KEYS)}`;

export async function concurrencyAndSettle(figures: Figure[]): Promise<void> {
  const redis = await startRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'rl-bench-cc-'));
  const policyFile = join(dir, 'policies.json');
  writeFileSync(policyFile, JSON.stringify(POLICIES));
  const enforcer = await startNodeService({
    name: 'enforcer (concurrency, settle)',
    entry: 'apps/enforcer/src/main.js',
    port: await freePort(),
    env: { REDIS_URL: redis.url, REGION: 'bench', LOG_LEVEL: 'warn', POLICY_FILE: policyFile },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: CALLERS });
  const url = (path: string): URL => new URL(`${enforcer.url}${path}`);
  const [checkUrl, acquireUrl, releaseUrl, settleUrl] = [url('/v1/check'), url('/v1/acquire'), url('/v1/release'), url('/v1/settle')];
  const checkBody = (customerId = 'bench'): string => JSON.stringify({ key: randomKey(), customerId });
  const recordedBody = (customerId: string): string => JSON.stringify({ key: randomKey(), customerId, cost: 10, settle: true });
  try {
    const seconds = SECONDS / 2;
    const checks = (customerId: string) => (): Promise<number> => closedLoop({ callers: CALLERS, seconds, op: async () => expectStatus(await post({ agent, url: checkUrl, body: checkBody(customerId) }), 200, 'check') });
    const recordedChecks = (customerId: string) => (): Promise<number> =>
      closedLoop({ callers: CALLERS, seconds, op: async () => expectStatus(await post({ agent, url: checkUrl, body: recordedBody(customerId) }), 200, 'check with settle') });
    const contenders = {
      check: checks('bench'),
      recorded: recordedChecks('bench'),
      stackedCheck: checks('bench-plan'),
      stackedRecorded: recordedChecks('bench-plan'),
      leases: (): Promise<number> =>
        closedLoop({
          callers: CALLERS,
          seconds,
          op: async () => {
            const acquired = expectStatus(await post({ agent, url: acquireUrl, body: checkBody() }), 200, 'acquire');
            const { leaseId } = JSON.parse(acquired.text) as { leaseId: string };
            expectStatus(await post({ agent, url: releaseUrl, body: JSON.stringify({ leaseId }) }), 204, 'release');
          },
        }),
    };
    // Settles need decisions to settle: each caller settles decisions recorded just before the loop.
    const recordedIds = async (count: number, customerId: string): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const reply = expectStatus(await post({ agent, url: checkUrl, body: recordedBody(customerId) }), 200, 'check with settle');
        const { decisionId } = JSON.parse(reply.text) as { decisionId: string };
        if (!decisionId.startsWith('s1.')) throw new Error(`a check with settle: true of ${customerId} was not recorded: ${decisionId}`);
        ids.push(decisionId);
      }
      return ids;
    };
    const settles = async (customerId: string): Promise<number> => {
      const ids = await recordedIds(2_000, customerId);
      return closedLoop({ callers: CALLERS, seconds, op: async (i) => expectStatus(await post({ agent, url: settleUrl, body: JSON.stringify({ decisionId: ids[i % ids.length], actualCost: 3 }) }), 200, 'settle') });
    };
    // Warm-up: JIT, connections, script caches.
    await contenders.check();
    await contenders.recorded();
    await contenders.leases();
    await contenders.stackedCheck();
    await contenders.stackedRecorded();
    const r = { check: [] as number[], recorded: [] as number[], leases: [] as number[], settles: [] as number[], stackedCheck: [] as number[], stackedRecorded: [] as number[], stackedSettles: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      r.check.push(await contenders.check());
      r.recorded.push(await contenders.recorded());
      r.leases.push(await contenders.leases());
      r.settles.push(await settles('bench'));
      r.stackedCheck.push(await contenders.stackedCheck());
      r.stackedRecorded.push(await contenders.stackedRecorded());
      r.stackedSettles.push(await settles('bench-plan'));
    }
    const ratio = (xs: readonly number[], base: readonly number[] = r.check): number => median(xs.map((x, i) => x / base[i]));
    const section = 'concurrency and settle';
    figures.push({ section, name: 'POST /v1/check decisions/s (50 callers, 100k keys)', value: median(r.check), unit: '/s' });
    figures.push({ section, name: 'acquire + release round trips/s', value: median(r.leases), unit: '/s' });
    figures.push({ section, name: 'acquire + release round trip ÷ a check (throughput; two calls each)', value: ratio(r.leases), unit: '×', note: '≈ 0.5× is two calls at the cost of a check each' });
    figures.push({ section, name: 'check with settle: true (recorded) ÷ a check', value: ratio(r.recorded), unit: '×', note: 'one more script call per recorded decision' });
    figures.push({ section, name: 'settles/s ÷ checks/s', value: ratio(r.settles), unit: '×' });
    figures.push({ section, name: 'stacked (2 limits) check with settle: true ÷ a stacked check', value: ratio(r.stackedRecorded, r.stackedCheck), unit: '×', note: 'one more script call, one record naming both counters' });
    figures.push({ section, name: 'stacked (2 limits) settles/s ÷ stacked checks/s', value: ratio(r.stackedSettles, r.stackedCheck), unit: '×' });
  } finally {
    agent.destroy();
    await enforcer.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
