import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decisionEventsStream, globalAllocationsStream, policyChangesStream, reconcilerKvBucket } from '@rl/contracts';
import { freePort, startPolicyService, startReconciler, startRegion, waitFor, workspaceRoot, type RegionHandle, type ServiceHandle } from '@rl/devstack';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { connect } from 'nats';
import type { Locator, Page } from 'playwright-core';
import { artifactsDir, launchChromium, type HeadlessBrowser } from './browser';
import { check, sleep, type CheckReply } from './http';
import { NATS_URL } from './stack';

/**
 * The operators' pages of the admin console in a real browser (Debian's chromium, headless)
 * against the running stack (policy service with the built console, two regions, the
 * reconciler): tiers, the audit log with its filters, API keys, overrides as pages with history
 * and rollback, automatic-block settings and the denials behind an automatic block, analytics
 * with estimates labelled, blocked and degraded charted, customer and key filters and exact
 * counts for global policies, what a viewer sees, and the favicon (no 404 on any page load).
 * Screenshots: e2e/artifacts/console/2x-*.png.
 */
describe('admin console for operators in chromium (policy service, two regions, reconciler)', () => {
  const unique = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const namespace = `e2eops${unique}`;
  const adminToken = `e2e-admin-${unique}`;
  const enforcerApiKey = `e2e-enforcer-${unique}`;
  const shots = artifactsDir('console');
  let cacheDir: string;
  let database: TestDatabase;
  let policyService: ServiceHandle;
  let regions: RegionHandle[] = [];
  let reconciler: ServiceHandle | undefined;
  let browser: HeadlessBrowser;
  let page: Page;
  /** Console resources (documents, scripts, styles, icons) answered 404 on any page load. */
  const missing: string[] = [];
  let viewerToken = '';

  const enforcer = (region: 'us-east' | 'eu-west'): ServiceHandle => {
    const handle = regions.find((r) => r.region === region);
    if (handle === undefined) throw new Error(`region ${region} is not running`);
    return handle.enforcers[0];
  };
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'rl-e2e-console-ops-'));
    database = await createTestDatabase();
    const reconcilerPort = await freePort();
    policyService = await startPolicyService({
      databaseUrl: database.url,
      natsUrl: NATS_URL,
      namespace,
      adminToken,
      enforcerApiKey,
      env: { CONSOLE_DIR: join(workspaceRoot(), 'dist', 'console'), RECONCILER_URL: `http://127.0.0.1:${reconcilerPort}` },
    });
    const regionEnv = (region: string): Record<string, string> => ({
      POLICY_SERVICE_URL: policyService.url,
      POLICY_SERVICE_TOKEN: enforcerApiKey,
      NATS_URL,
      NATS_NAMESPACE: namespace,
      POLICY_CACHE_FILE: join(cacheDir, `${region}.json`),
      GLOBAL_REGIONS: 'us-east,eu-west',
      GLOBAL_SYNC_INTERVAL_MS: '250',
      // Half of the allowed decisions are published: their counts are estimates, and say so.
      EVENTS_SAMPLE_RATE: '0.5',
      EVENTS_FLUSH_INTERVAL_MS: '200',
    });
    regions = await Promise.all(['us-east', 'eu-west'].map((region) => startRegion({ region, enforcerPorts: [undefined], env: regionEnv(region) })));
    reconciler = await startReconciler({ port: reconcilerPort, regions: ['us-east', 'eu-west'], natsUrl: NATS_URL, namespace, env: { RECONCILER_INTERVAL_MS: '250' } });
    browser = await launchChromium();
    page = browser.page;
    page.setDefaultTimeout(15_000);
    page.on('response', (response) => {
      const type = response.request().resourceType();
      if (response.status() === 404 && type !== 'fetch' && type !== 'xhr') missing.push(`${type} ${response.url()}`);
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(regions.map((r) => r.stop()));
    await reconciler?.stop();
    await policyService?.stop();
    await database?.drop();
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await nc.jetstreamManager();
      for (const stream of [policyChangesStream(namespace), decisionEventsStream(namespace), globalAllocationsStream(namespace), `KV_${reconcilerKvBucket(namespace)}`]) {
        await jsm.streams.delete(stream).catch(() => false);
      }
    } finally {
      await nc.close();
    }
    if (cacheDir !== undefined) rmSync(cacheDir, { recursive: true, force: true });
  });

  async function admin<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${policyService.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  /** Sends `request` until `done` holds (changes reach enforcers within about a second). */
  async function checkUntil(url: string, request: Record<string, unknown>, done: (reply: CheckReply) => boolean): Promise<CheckReply> {
    let last: CheckReply | undefined;
    await waitFor(
      `${url} to answer as expected`,
      async () => {
        last = await check(url, request);
        return done(last);
      },
      15_000,
      100,
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; last answer ${last?.status} ${JSON.stringify(last?.body)}`);
    });
    return last as CheckReply;
  }

  async function signIn(token: string): Promise<void> {
    await page.goto(policyService.url);
    await page.getByLabel('Admin API key').waitFor();
    await page.getByLabel('Admin API key').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
  }

  const nav = (name: string): Promise<void> => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click();
  const customer = `ops-${unique}`;
  const overrideCustomer = `vip-${unique}`;

  it('serves a favicon and signs an admin in, showing the role', async () => {
    const icon = await fetch(`${policyService.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/icon/);
    expect((await fetch(`${policyService.url}/favicon.svg`)).status).toBe(200);
    await signIn(adminToken);
    await expectText(page.locator('.whoami'), 'ADMIN_TOKEN');
    await expectText(page.locator('.whoami'), 'admin');
    expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe('./favicon.svg');
  });

  it('creates an API key whose token is shown once, lists it and revokes another', async () => {
    await nav('API keys');
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    const form = page.getByRole('form', { name: 'Create API key' });
    await form.getByRole('button', { name: 'Create key' }).click();
    await expectText(form.locator('[data-path="name"] .field-error'), 'is required');

    await form.locator('input[name="name"]').fill('dashboard viewer');
    await form.locator('select[name="role"]').selectOption('viewer');
    await form.getByRole('button', { name: 'Create key' }).click();
    const token = page.locator('[data-token]');
    await token.waitFor();
    viewerToken = ((await token.textContent()) ?? '').trim();
    expect(viewerToken).toMatch(/^rlk_/);
    await page.locator('tr[data-key-name="dashboard viewer"]').waitFor();
    await shot('20-api-key-created');
    // Shown once: the list never carries it, and "Done" forgets it.
    expect(JSON.stringify(await admin('GET', '/v1/api-keys'))).not.toContain(viewerToken);
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.locator('[data-token]').count()).resolves.toBe(0);

    await form.locator('input[name="name"]').fill('old ci key');
    await form.locator('select[name="role"]').selectOption('editor');
    await form.getByRole('button', { name: 'Create key' }).click();
    await page.locator('tr[data-key-name="old ci key"]').waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('tr[data-key-name="old ci key"]').getByRole('button', { name: 'Revoke' }).click();
    await expectText(page.locator('tr[data-key-name="old ci key"]'), 'revoked');
    expect(await page.locator('tr[data-key-name="old ci key"]').getAttribute('data-revoked')).toBe('yes');
    await shot('21-api-keys');
  });

  it('manages tiers: create, refuse an unknown tier for a customer, list customers and policies, refuse deleting one in use', async () => {
    await nav('Tiers');
    await page.getByRole('heading', { name: 'Tiers', exact: true }).waitFor();
    const form = page.getByRole('form', { name: 'New tier' });
    await form.locator('input[name="id"]').fill('gold plated');
    await form.getByRole('button', { name: 'Create tier' }).click();
    await expectText(form.locator('[data-path="id"] .field-error'), 'must be a tier name');
    await form.locator('input[name="id"]').fill('gold');
    await form.locator('input[name="description"]').fill('Paying customers, ten times the free limits');
    await form.getByRole('button', { name: 'Create tier' }).click();
    await page.getByText('Tier gold created.').waitFor();

    await nav('Customers & overrides');
    const assign = page.getByRole('form', { name: 'Assign tier' });
    await assign.locator('input[name="customerId"]').fill(customer);
    await assign.locator('input[name="tier"]').fill('glod');
    await assign.getByRole('button', { name: 'Assign tier' }).click();
    await expectText(assign.locator('[data-path="tier"] .field-error'), '"glod" is not one');
    await shot('22-unknown-tier-refused');
    await assign.locator('input[name="tier"]').fill('gold');
    await assign.getByRole('button', { name: 'Assign tier' }).click();
    await expectText(page.locator(`tr[data-customer="${customer}"]`), 'gold');

    await admin('POST', '/v1/policies', { id: `gold-api-${unique}`.slice(0, 64), match: { customerTier: 'gold' }, algorithm: 'token_bucket', limit: 3, windowSeconds: 3600 });
    await nav('Tiers');
    const gold = page.locator('[data-tier="gold"]');
    await expectText(gold, 'Paying customers, ten times the free limits');
    await expectText(gold.getByRole('list', { name: 'Customers of gold' }), customer);
    await expectText(gold.getByRole('table', { name: 'Policies of gold' }), `gold-api-${unique}`.slice(0, 64));
    await expectText(gold.getByRole('table', { name: 'Policies of gold' }), '3 / 1h');
    await expectText(gold, '1 customer');

    page.once('dialog', (dialog) => void dialog.accept());
    await gold.getByRole('button', { name: 'Delete' }).click();
    await expectText(page.locator('.banner-error'), 'tier gold is in use by 1 customer and 1 policy');
    await shot('23-tiers');
    expect(await admin('GET', '/v1/tiers/gold')).toMatchObject({ customerCount: 1 });
  });

  it('sets an override with every field, opens it as a page with its history, edits and rolls it back', async () => {
    await nav('Customers & overrides');
    const form = page.getByRole('form', { name: 'Set override' });
    await form.locator('input[name="customer_id"]').fill(overrideCustomer);
    await form.locator('input[name="limit"]').fill('5');
    await form.locator('input[name="window"]').fill('1m');
    await form.locator('select[name="algorithm"]').selectOption('gcra');
    await form.locator('input[name="burst"]').fill('0');
    await form.locator('select[name="failureMode"]').selectOption('closed');
    await form.locator('select[name="escalation"]').selectOption('off');
    await form.getByRole('button', { name: 'Set override' }).click();
    await expectText(form.locator('[data-path="burst"] .field-error'), 'must be an integer from 1 to 1000000000');
    await form.locator('input[name="burst"]').fill('2');
    await form.getByRole('button', { name: 'Set override' }).click();
    const row = page.locator(`tr[data-override="${overrideCustomer}"]`);
    await expectText(row, 'gcra');
    const stored = await admin<{ policy: { id: string } & Record<string, unknown> }>('GET', `/admin/limits/${overrideCustomer}`);
    expect(stored.policy).toMatchObject({ algorithm: 'gcra', burst: 2, failureMode: 'closed', mode: 'enforce', scope: 'regional', escalation: { threshold: 0 }, version: 1 });
    const overrideId = stored.policy.id;

    // The override is a policy: listed and found by search, and its link opens its page (no 404).
    await nav('Policies');
    await page.getByLabel('Search policies').fill('override');
    await expectText(page.locator(`tr[data-policy="${overrideId}"]`), 'override');
    await page.locator(`tr[data-policy="${overrideId}"]`).getByRole('link', { name: overrideId }).click();
    await page.getByRole('heading', { name: overrideId }).waitFor();
    await page.locator('tr[data-version="1"]').waitFor();

    const edit = page.getByRole('form', { name: 'Set override' });
    await edit.locator('input[name="limit"]').fill('9');
    await edit.locator('select[name="mode"]').selectOption('shadow');
    await edit.getByRole('button', { name: 'Save as version 2' }).click();
    await page.getByText('Saved version 2.').waitFor();
    const diff = page.getByRole('table', { name: 'Diff v1 to v2' });
    await expectText(diff.locator('[data-field="limit"][data-change="changed"] .diff-after'), '9');
    await expectText(diff.locator('[data-field="mode"][data-change="changed"] .diff-after'), 'shadow');
    await shot('24-override-page');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('tr[data-version="1"]').getByRole('button', { name: 'Roll back to v1' }).click();
    await page.getByText('Rolled back: version 3 has the content of version 1.').waitFor();
    const applied = await checkUntil(enforcer('eu-west').url, { key: `u:${unique}`, customerId: overrideCustomer }, (r) => r.body.policy?.version === 3);
    expect(applied.body).toMatchObject({ limit: 5, policy: { id: overrideId, version: 3 } });
    await shot('25-override-rolled-back');
  });

  it('sets a policy\'s automatic blocks in its form, and shows the denials behind the block they cause', async () => {
    const loginId = `login-${unique}`.slice(0, 64);
    await nav('Policies');
    await page.getByRole('link', { name: 'New policy' }).click();
    const form = page.getByRole('form', { name: 'New policy' });
    await form.locator('input[name="id"]').fill(loginId);
    await form.locator('input[name="route"]').fill(`/login-${unique}`);
    await form.locator('input[name="method"]').fill('POST');
    await form.locator('select[name="algorithm"]').selectOption('fixed_window');
    await form.locator('input[name="limit"]').fill('1');
    await form.locator('select[name="escalation"]').selectOption('custom');
    await form.locator('input[name="escalationThreshold"]').fill('1');
    await form.locator('input[name="escalationBlockSeconds"]').fill('90000');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await expectText(form.locator('[data-path="escalation.blockSeconds"] .field-error'), 'from 1 to 86400');
    await form.locator('input[name="escalationBlockSeconds"]').fill('900');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText(`Policy ${loginId} created (version 1).`).waitFor();
    await expectText(page.locator('.page-header .subtitle'), 'automatic blocks: 1 distinct policy, default window, block 900s');
    expect(await admin('GET', `/v1/policies/${loginId}`)).toMatchObject({ escalation: { threshold: 1, blockSeconds: 900 } });

    const request = { key: `guesser:${unique}`, route: `/login-${unique}`, method: 'POST', customerId: customer };
    await checkUntil(enforcer('us-east').url, request, (r) => r.body.policy?.id === loginId);
    expect((await check(enforcer('us-east').url, request)).status).toBe(429);
    await checkUntil(enforcer('eu-west').url, request, (r) => (r.body as { blocked?: boolean }).blocked === true);

    await nav('Block list');
    const row = page.locator(`tr[data-block="guesser:${unique}"]`);
    await expectText(row, 'automatic');
    await row.getByRole('button', { name: 'Denials (1)' }).click();
    const denials = page.getByRole('table', { name: `Denials that blocked guesser:${unique}` });
    await expectText(denials.locator(`tr[data-denial="${loginId}"]`), `POST /login-${unique}`);
    await expectText(denials.locator(`tr[data-denial="${loginId}"]`), 'us-east');
    await shot('26-automatic-block-denials');
  });

  it('filters the audit log by entity, actor and time, page by page', async () => {
    // 55 customer changes by one key: more than one page of 50.
    const editor = await admin<{ token: string; name: string }>('POST', '/v1/api-keys', { name: 'bulk editor', role: 'editor' });
    const started = new Date(Date.now() - 1_000);
    for (let i = 0; i < 55; i++) {
      const res = await fetch(`${policyService.url}/v1/customers/bulk-${i}-${unique}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${editor.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tier: 'gold' }),
      });
      expect(res.status).toBe(200);
    }

    await nav('Audit log');
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const filters = page.getByRole('form', { name: 'Audit filters' });
    await filters.locator('select[name="entity"]').selectOption('tier');
    await filters.locator('input[name="entityId"]').fill('gold');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await eventually('the filters in the URL', () => page.url(), (url) => url.includes('entity=tier&entityId=gold'));
    await page.locator('tr[data-action="tier.created"]').waitFor();
    await page.locator('tr[data-action="tier.created"]').getByRole('button', { name: 'Changes' }).click();
    await expectText(page.locator('[data-field="description"] .diff-after'), 'Paying customers');
    await shot('27-audit-tier');

    await page.goto(`${policyService.url}/#/audit?actor=${encodeURIComponent('bulk editor')}&since=${encodeURIComponent(started.toISOString())}`);
    await page.locator('tr[data-audit]').first().waitFor();
    await eventually('50 rows', () => page.locator('tr[data-audit]').count(), (n) => n === 50);
    await page.getByRole('button', { name: 'Older entries' }).click();
    await eventually('55 rows', () => page.locator('tr[data-audit]').count(), (n) => n === 55);
    expect(await page.getByRole('button', { name: 'Older entries' }).count()).toBe(0);
    const actions = await page.locator('tr[data-audit]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    expect(new Set(actions)).toEqual(new Set(['customer.created']));
    await shot('28-audit-actor-paged');

    // An impossible range is refused by the API, and the form says which field.
    await page.goto(`${policyService.url}/#/audit?since=2026-12-02T00:00:00.000Z&until=2026-12-01T00:00:00.000Z`);
    await expectText(page.locator('[data-path="since"] .field-error'), 'must be before until');
  });

  it('labels estimates, charts blocked decisions, filters every table by customer, finds a known key and prefers exact counts for global policies', async () => {
    const key = `known:${unique}`;
    const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
    const noisy = { key: `noise:${unique}`, customerId: `other-${unique}`, limit: 1, windowSeconds: 3600 };
    // Allowed traffic (sampled at 50%), denials for the known key, and the blocked guesser above.
    for (let i = 0; i < 40; i++) expect((await check(enforcer('us-east').url, { key: `many-${i}:${unique}`, customerId: customer, limit: 1000, windowSeconds: 3600 })).status).toBe(200);
    // The customer is on tier gold, whose policy admits 3 per hour per key: two of five are denied.
    // Spaced out, so the key stays below the hot-key threshold and every decision asks Redis.
    const known: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push((await check(enforcer('us-east').url, { key, customerId: customer })).status);
      await sleep(60);
    }
    expect(known).toEqual([200, 200, 200, 429, 429]);
    for (let i = 0; i < 3; i++) await check(enforcer('eu-west').url, noisy);

    // A global policy with traffic this window: the reconciler's exact counts.
    const worldId = `world-${unique}`.slice(0, 64);
    const worldCustomer = `wc-${unique}`;
    await admin('POST', '/v1/policies', { id: worldId, match: { customerId: worldCustomer }, algorithm: 'fixed_window', limit: 1000, windowSeconds: 86400, scope: 'global' });
    const worldKey = `w:${unique}`;
    for (const region of ['us-east', 'eu-west'] as const) await checkUntil(enforcer(region).url, { key: worldKey, customerId: worldCustomer }, (r) => r.body.policy?.id === worldId && r.status === 200);
    for (let i = 0; i < 4; i++) expect((await check(enforcer('us-east').url, { key: worldKey, customerId: worldCustomer })).status).toBe(200);

    await nav('Analytics');
    await page.getByRole('heading', { name: 'Throttle analytics' }).waitFor();
    const keys = page.getByRole('table', { name: 'Most-throttled keys' });
    await waitFor(
      'the known key among the most throttled',
      async () => {
        if ((await keys.locator(`tr[data-top="${hash}"]`).count()) > 0 && (await page.locator('[data-total="blocked"] dd').textContent()) !== '0') return true;
        await page.getByRole('button', { name: 'Refresh' }).click();
        return false;
      },
      30_000,
      1_000,
    );

    // Estimates are labelled, with the sample rate and the bound.
    await expectText(page.locator('[data-total="allowed"] dt'), 'estimate');
    expect(await page.locator('[data-total="allowed"] dd').textContent()).toMatch(/^≈ [\d,]+ ± [\d,]+$/);
    expect(await page.locator('[data-total="allowed"] dd').getAttribute('title')).toMatch(/sampled at \d+%; ±[\d,]+ at 95% confidence/);
    await expectText(page.locator('[data-sample-note]'), 'estimates');
    // Blocked decisions are charted.
    await page.getByRole('img', { name: 'Blocked and degraded decisions per minute' }).waitFor();
    await expectText(page.locator('[aria-label="Blocked and degraded"] .u-legend'), 'blocked');
    await shot('29-analytics-estimates');

    // Find a known key: hashed as the enforcers do, every table narrows to it.
    await page.getByRole('textbox', { name: 'Find a key' }).fill(key);
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await expectText(keys.locator(`tr[data-top="${hash}"] .known-key`), key);
    expect(Number(await keys.locator(`tr[data-top="${hash}"] td.num`).first().textContent())).toBe(2);
    await eventually('1 rows', () => keys.locator('tbody tr').count(), (n) => n === 1);
    const customers = page.getByRole('table', { name: 'Most-throttled customers' });
    await eventually('only the key\'s customer', () => customers.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-top'))), (tops) => JSON.stringify(tops) === JSON.stringify([customer]));
    await shot('30-analytics-known-key');
    await page.getByRole('button', { name: 'Clear key filter' }).click();

    // Pick a customer: both tables show only that customer's rows.
    await customers.locator(`tr[data-top="other-${unique}"]`).waitFor();
    await customers.locator(`tr[data-top="${customer}"]`).first().getByRole('button').click();
    await page.locator('[data-filter="customer"]').waitFor();
    await eventually('only the picked customer', () => customers.locator('tbody tr').evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute('data-top')))]), (tops) => JSON.stringify(tops) === JSON.stringify([customer]));
    const noisyHash = createHash('sha256').update(noisy.key).digest('hex').slice(0, 16);
    await eventually('0 rows', () => keys.locator(`tr[data-top="${noisyHash}"]`).count(), (n) => n === 0);
    await keys.locator(`tr[data-top="${hash}"]`).waitFor();
    await page.getByRole('button', { name: 'Clear customer filter' }).click();

    // A global policy: the reconciler's exact counts come first.
    await page.locator('select[name="policyId"]').selectOption(worldId);
    const exact = page.getByRole('table', { name: 'Exact counts this window' });
    await expectText(exact.locator(`tr[data-exact-key="${worldKey}"]`), '6');
    await shot('31-analytics-exact-global');
  });

  it('shows a viewer no edit forms anywhere', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(viewerToken);
    await expectText(page.locator('.whoami'), 'read-only');
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'API keys' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'New policy' }).count()).toBe(0);
    const noForms = async (where: string): Promise<void> => {
      expect({ where, forms: await page.locator('main form').count() }).toEqual({ where, forms: 0 });
      expect({ where, danger: await page.locator('main .button-danger').count() }).toEqual({ where, danger: 0 });
    };
    await page.locator(`tr[data-policy^="login-"] a`).first().click();
    await page.locator('tr[data-version="1"]').waitFor();
    await noForms('policy page');
    expect(await page.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    await shot('32-viewer-policy');
    for (const [label, ready] of [
      ['Customers & overrides', () => page.locator(`tr[data-customer="${customer}"]`).waitFor()],
      ['Tiers', () => page.locator('[data-tier="gold"]').waitFor()],
      ['Block list', () => page.locator(`tr[data-block="guesser:${unique}"]`).waitFor()],
    ] as const) {
      await nav(label);
      await ready();
      await noForms(label);
    }
    await shot('33-viewer-blocks');
    await page.goto(`${policyService.url}/#/policies/new`);
    await page.getByText('creating policies needs the editor role').waitFor();
  });

  it('loaded every page without a 404, a script error or a Content-Security-Policy violation', () => {
    expect(missing).toEqual([]);
    expect(browser.problems).toEqual([]);
  });
});

/** Waits until `read()` gives a value `ok` accepts (the UI updates asynchronously); names the last value on timeout. */
async function eventually<T>(what: string, read: () => Promise<T> | T, ok: (value: T) => boolean): Promise<void> {
  let last: T | undefined;
  await waitFor(
    what,
    async () => {
      last = await read();
      return ok(last);
    },
    10_000,
    50,
  ).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last ${JSON.stringify(last)}`);
  });
}

/** Waits until the locator's text contains `text` (the UI updates asynchronously). */
async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.first().waitFor();
  await waitFor(
    `text "${text}"`,
    async () => ((await locator.first().textContent()) ?? '').includes(text),
    10_000,
    50,
  ).catch(async (error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; the element reads "${await locator.first().textContent()}"`);
  });
}
