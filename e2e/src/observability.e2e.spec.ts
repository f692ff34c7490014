import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@rl/devstack';
import { parse as parseYaml } from 'yaml';
import { check } from './http';
import { startControlPlaneStack, type ControlPlaneStack } from './stack';

const OBSERVABILITY = join(workspaceRoot(), 'infra', 'observability');
const RECONCILER_SRC = join(workspaceRoot(), 'apps', 'reconciler', 'src');

/** Metric names a service exposes, from its `# TYPE` lines, with the series names PromQL can use. */
function seriesNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/gm)) {
    const [, name, type] = match;
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * The reconciler's metric names, read from its source (`new Histogram({ name: 'rl_...' })`):
 * the suite's stack runs no reconciler process.
 */
function reconcilerSeriesNames(): Set<string> {
  const names = new Set<string>();
  for (const file of filesUnder(RECONCILER_SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name:\s*'(rl_[a-z0-9_]+)'/g)) {
      const [, type, name] = match;
      names.add(name);
      if (type === 'Histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
      if (type === 'Summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
    }
  }
  return names;
}

/** Every PromQL expression of the Grafana dashboards and the Prometheus rule files. */
function referencedExpressions(): { file: string; expr: string }[] {
  const out: { file: string; expr: string }[] = [];
  const grafana = join(OBSERVABILITY, 'grafana');
  for (const name of readdirSync(grafana).filter((n) => n.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(join(grafana, name), 'utf8')) as { panels: { targets?: { expr: string }[] }[]; templating: { list: { definition?: string }[] } };
    for (const panel of dashboard.panels) for (const target of panel.targets ?? []) out.push({ file: name, expr: target.expr });
    for (const variable of dashboard.templating.list) if (variable.definition !== undefined) out.push({ file: name, expr: variable.definition });
  }
  const prometheus = join(OBSERVABILITY, 'prometheus');
  for (const name of readdirSync(prometheus).filter((n) => n.startsWith('alerts'))) {
    const rules = parseYaml(readFileSync(join(prometheus, name), 'utf8')) as { groups: { rules: { alert?: string; expr: string }[] }[] };
    for (const group of rules.groups) for (const rule of group.rules) out.push({ file: name, expr: rule.expr });
  }
  return out;
}

/**
 * infra/observability against the running services: every metric the Grafana dashboard and the
 * alert rules reference exists in some service's /metrics (the reconciler's from its metrics
 * module); and the decision-event pipeline end to end: checks in two regions become events on
 * NATS, per-minute rollups in Postgres, and the analytics API's answers, shadow denials included.
 */
describe('observability: metrics the dashboards use, decision events to analytics (two regions, real Postgres, NATS and Redis)', () => {
  let stack: ControlPlaneStack;

  beforeAll(async () => {
    stack = await startControlPlaneStack({ label: 'o', enforcerEnv: { EVENTS_SAMPLE_RATE: '1', EVENTS_FLUSH_INTERVAL_MS: '100', ESCALATION_THRESHOLD: '0' } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  async function admin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    return fetch(`${stack.policyService.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function untilPolicy(url: string, customerId: string, policyId: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (let probe = 0; ; probe++) {
      const reply = await check(url, { key: `probe:${stack.unique}:${probe}`, customerId });
      if (reply.body.policy.id === policyId) return;
      if (Date.now() > deadline) throw new Error(`${url} does not apply ${policyId} after 20 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('every metric referenced by infra/observability exists', async () => {
    const exposed = new Set<string>();
    for (const service of [stack.policyService, ...stack.enforcers()]) {
      const response = await fetch(`${service.url}/metrics`);
      expect(response.status).toBe(200);
      for (const name of seriesNames(await response.text())) exposed.add(name);
    }
    for (const name of reconcilerSeriesNames()) exposed.add(name);

    const expressions = referencedExpressions();
    const referenced = new Set(expressions.flatMap(({ expr }) => [...expr.matchAll(/\brl_[a-z0-9_]+\b/g)].map((m) => m[0])));
    expect(referenced.size).toBeGreaterThanOrEqual(15);
    for (const name of ['rl_decisions_total', 'rl_check_duration_seconds_bucket', 'rl_store_breaker_state', 'rl_outbox_backlog', 'rl_reconciler_cycle_seconds_bucket']) {
      expect(referenced).toContain(name);
    }
    const missing = [...referenced].filter((name) => !exposed.has(name)).map((name) => `${name} (${expressions.filter((e) => e.expr.includes(name)).map((e) => e.file).join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('turns decisions in two regions into rollups the analytics API serves, shadow would-denies included', async () => {
    const enforced = `obs-enforce-${stack.unique}`.slice(0, 64);
    const shadow = `obs-shadow-${stack.unique}`.slice(0, 64);
    const enforceCustomer = `enf-${stack.unique}`;
    const shadowCustomer = `shd-${stack.unique}`;
    for (const [id, customerId, mode] of [
      [enforced, enforceCustomer, 'enforce'],
      [shadow, shadowCustomer, 'shadow'],
    ]) {
      const response = await admin('POST', '/v1/policies', { id, match: { customerId }, algorithm: 'fixed_window', limit: 1, windowSeconds: 3600, mode });
      expect(response.status).toBe(201);
    }
    const [usEast, euWest] = stack.enforcers();
    await untilPolicy(usEast.url, enforceCustomer, enforced);
    await untilPolicy(euWest.url, shadowCustomer, shadow);

    const key = `user:${stack.unique}`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await check(usEast.url, { key, customerId: enforceCustomer })).status);
    for (let i = 0; i < 3; i++) statuses.push((await check(euWest.url, { key, customerId: shadowCustomer })).status);
    expect(statuses).toEqual([200, 429, 429, 429, 200, 200, 200]);

    const keyHash = createHash('sha256').update(key).digest('hex').slice(0, 16);
    type Item = { value: string; region: string; policyId: string; denied: number; shadowDenied: number; allowed: number };
    let items: Item[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await admin('GET', '/v1/analytics/top?dimension=key&limit=100');
      expect(response.status).toBe(200);
      items = ((await response.json()) as { items: Item[] }).items.filter((item) => item.value === keyHash);
      const total = items.reduce((sum, item) => sum + item.denied + item.shadowDenied + item.allowed, 0);
      if (total >= 7 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // Every allowed decision was published (EVENTS_SAMPLE_RATE 1): the counts say they are exact.
    const exact = { blocked: 0, degraded: 0, allowedEstimate: { exact: true, sampledEvents: 1, sampleRate: 1, errorBound: 0 }, degradedEstimate: { exact: true, sampledEvents: 0, sampleRate: null, errorBound: 0 } };
    expect(items).toEqual([
      { value: keyHash, region: 'us-east', policyId: enforced, denied: 3, shadowDenied: 0, allowed: 1, ...exact },
      { value: keyHash, region: 'eu-west', policyId: shadow, denied: 0, shadowDenied: 2, allowed: 1, ...exact },
    ]);

    const customers = (await (await admin('GET', `/v1/analytics/top?dimension=customer&policyId=${shadow}`)).json()) as { items: Item[] };
    expect(customers.items).toEqual([
      expect.objectContaining({ value: shadowCustomer, region: 'eu-west', policyId: shadow, denied: 0, shadowDenied: 2, allowed: expect.any(Number), blocked: 0 }),
    ]);
    const series = (await (await admin('GET', `/v1/analytics/timeseries?region=us-east&policyId=${enforced}&customerId=${enforceCustomer}`)).json()) as {
      points: { denied: number }[];
    };
    expect(series.points.reduce((sum, p) => sum + p.denied, 0)).toBe(3);
  });
});
