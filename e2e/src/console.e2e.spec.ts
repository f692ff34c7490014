import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decisionEventsStream, globalAllocationsStream, policyChangesStream, reconcilerKvBucket } from '@rl/contracts';
import { freePort, startPolicyService, startReconciler, startRegion, waitFor, workspaceRoot, type RegionHandle, type ServiceHandle } from '@rl/devstack';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { connect } from 'nats';
import type { Page } from 'playwright-core';
import { artifactsDir, launchChromium, type HeadlessBrowser } from './browser';
import { check, type CheckReply } from './http';
import { NATS_URL } from './stack';

/**
 * The admin console in a real browser (Debian's chromium, headless) against the running stack:
 * the policy service serving the built console (dist/console) and the admin API, two regions
 * (an enforcer and its own redis-server each) following it over NATS, and the reconciler that
 * the policy service's GET /v1/global-usage forwards to. Screenshots of every screen go to
 * e2e/artifacts/console/.
 */
describe('admin console in chromium (policy service, two regions, real Postgres, NATS and Redis)', () => {
  const unique = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const namespace = `e2econsole${unique}`;
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

  const enforcer = (region: 'us-east' | 'eu-west'): ServiceHandle => {
    const handle = regions.find((r) => r.region === region);
    if (handle === undefined) throw new Error(`region ${region} is not running`);
    return handle.enforcers[0];
  };
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'rl-e2e-console-'));
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
    });
    regions = await Promise.all(['us-east', 'eu-west'].map((region) => startRegion({ region, enforcerPorts: [undefined], env: regionEnv(region) })));
    reconciler = await startReconciler({
      port: reconcilerPort,
      regions: ['us-east', 'eu-west'],
      natsUrl: NATS_URL,
      namespace,
      env: { RECONCILER_INTERVAL_MS: '250' },
    });
    browser = await launchChromium();
    page = browser.page;
    page.setDefaultTimeout(15_000);
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

  /** Sends `request` to `url` until `done` holds (changes reach enforcers within about a second). */
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

  const policyId = `console-${unique}`.slice(0, 64);
  const customerId = `cust-${unique}`;

  it('refuses a wrong key, signs in with the admin key and lands on the policies', async () => {
    await page.goto(policyService.url);
    await page.getByLabel('Admin API key').waitFor();
    await page.getByLabel('Admin API key').fill('not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.locator('.field-error'), 'This key is unknown or revoked.');
    await shot('01-sign-in-refused');

    await page.getByLabel('Admin API key').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
    await page.getByText('No policies yet').waitFor();
    // The key stays for this tab only: a reload keeps the session.
    expect(await page.evaluate(() => sessionStorage.getItem('rl.console.token'))).toBe(adminToken);
    await page.reload();
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
    await shot('02-policies-empty');
  });

  it("shows the API's validation messages inline, creates a policy and sees it take effect on a check", async () => {
    await page.getByRole('link', { name: 'New policy' }).click();
    const form = page.getByRole('form', { name: 'New policy' });
    await form.locator('input[name="id"]').fill('Bad Id');
    await form.locator('input[name="limit"]').fill('ten');
    await form.locator('input[name="method"]').fill('GET /');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await expectText(form.locator('[data-path="id"] .field-error'), 'must be a slug of 1 to 64 characters from [a-z0-9-]');
    await expectText(form.locator('[data-path="limit"] .field-error'), 'must be an integer from 1 to 1000000000');
    await expectText(form.locator('[data-path="match.method"] .field-error'), 'must be an HTTP method name of 1 to 16 letters');
    await shot('03-policy-validation');
    // Nothing was stored.
    expect((await admin('GET', '/v1/policies')).items).toEqual([]);

    await form.locator('input[name="id"]').fill(policyId);
    await form.locator('input[name="limit"]').fill('3');
    await form.locator('input[name="method"]').fill('');
    await form.locator('input[name="customerId"]').fill(customerId);
    await form.locator('select[name="algorithm"]').selectOption('fixed_window');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText(`Policy ${policyId} created (version 1).`).waitFor();
    await page.getByRole('heading', { name: policyId }).waitFor();

    const request = { key: `user:${unique}`, customerId };
    for (const region of ['us-east', 'eu-west'] as const) {
      const first = await checkUntil(enforcer(region).url, request, (r) => r.body.policy?.id === policyId);
      expect(first.body).toMatchObject({ allowed: true, limit: 3, policy: { id: policyId, version: 1 } });
    }
    // The us-east window has one request counted already: two more are admitted, the next is denied.
    expect((await check(enforcer('us-east').url, request)).status).toBe(200);
    expect((await check(enforcer('us-east').url, request)).status).toBe(200);
    const denied = await check(enforcer('us-east').url, request);
    expect(denied.status).toBe(429);
    expect(denied.body).toMatchObject({ allowed: false, policy: { id: policyId, version: 1 } });
    await shot('04-policy-created');
  });

  it('edits the policy, shows the diff between versions and rolls back', async () => {
    const form = page.getByRole('form', { name: 'Edit policy' });
    await form.locator('input[name="limit"]').fill('0');
    await form.getByRole('button', { name: 'Save as version 2' }).click();
    await expectText(form.locator('[data-path="limit"] .field-error'), 'must be an integer from 1 to 1000000000');

    await form.locator('input[name="limit"]').fill('5');
    await form.locator('select[name="mode"]').selectOption('shadow');
    await form.getByRole('button', { name: 'Save as version 2' }).click();
    await page.getByText('Saved version 2.').waitFor();

    const diff = page.getByRole('table', { name: 'Diff v1 to v2' });
    await diff.waitFor();
    await expectText(diff.locator('[data-field="limit"][data-change="changed"] .diff-before'), '3');
    await expectText(diff.locator('[data-field="limit"][data-change="changed"] .diff-after'), '5');
    await expectText(diff.locator('[data-field="mode"][data-change="changed"] .diff-after'), 'shadow');
    // burst follows the limit when the form leaves it empty.
    expect(await diff.locator('[data-change="changed"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-field')))).toEqual(['limit', 'burst', 'mode']);
    await shot('05-policy-diff');

    const request = { key: `user2:${unique}`, customerId };
    const edited = await checkUntil(enforcer('eu-west').url, request, (r) => r.body.policy?.version === 2);
    expect(edited.body).toMatchObject({ limit: 5, policy: { id: policyId, version: 2 } });

    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('tr[data-version="1"]').getByRole('button', { name: 'Roll back to v1' }).click();
    await page.getByText('Rolled back: version 3 has the content of version 1.').waitFor();
    await expectText(page.locator('tr[data-version="3"]'), 'rolled back to v1');
    const rolledBack = page.getByRole('table', { name: 'Diff v2 to v3' });
    await expectText(rolledBack.locator('[data-field="limit"] .diff-after'), '3');
    await shot('06-policy-rolled-back');

    const restored = await checkUntil(enforcer('us-east').url, { key: `user3:${unique}`, customerId }, (r) => r.body.policy?.version === 3);
    expect(restored.body).toMatchObject({ limit: 3, policy: { id: policyId, version: 3 } });
    expect(await admin('GET', `/v1/policies/${policyId}`)).toMatchObject({ version: 3, limit: 3, mode: 'enforce' });
  });

  it('finds the policy by search in the list', async () => {
    await page.getByRole('link', { name: 'Policies' }).first().click();
    await page.getByLabel('Search policies').fill(customerId);
    await page.locator(`tr[data-policy="${policyId}"]`).waitFor();
    await page.getByLabel('Search policies').fill('no-such-policy-anywhere');
    await page.getByText('No policy matches the search.').waitFor();
  });

  it('assigns a tier and sets an override, with inline validation', async () => {
    await admin('POST', '/v1/tiers', { id: 'gold' });
    await page.getByRole('link', { name: 'Customers & overrides' }).click();
    const tierForm = page.getByRole('form', { name: 'Assign tier' });
    await tierForm.locator('input[name="customerId"]').fill(customerId);
    await tierForm.locator('input[name="tier"]').fill('gold plated');
    await tierForm.getByRole('button', { name: 'Assign tier' }).click();
    await expectText(tierForm.locator('[data-path="tier"] .field-error'), 'must be a tier name of 1 to 64 characters from [A-Za-z0-9_.-]');
    await tierForm.locator('input[name="tier"]').fill('gold');
    await tierForm.getByRole('button', { name: 'Assign tier' }).click();
    await expectText(page.locator(`tr[data-customer="${customerId}"]`), 'gold');

    const overrideForm = page.getByRole('form', { name: 'Set override' });
    await overrideForm.locator('input[name="customer_id"]').fill(`vip-${unique}`);
    await overrideForm.locator('input[name="limit"]').fill('1000');
    await overrideForm.locator('input[name="window"]').fill('1w');
    await overrideForm.getByRole('button', { name: 'Set override' }).click();
    await expectText(overrideForm.locator('[data-path="window"] .field-error'), 'must be a number of seconds from 1 to 2592000');
    await overrideForm.locator('input[name="window"]').fill('1h');
    await overrideForm.getByRole('button', { name: 'Set override' }).click();
    await expectText(page.locator(`tr[data-override="vip-${unique}"]`), '1,000');
    await shot('07-customers-overrides');
    expect(await admin('GET', `/v1/customers/${customerId}`)).toMatchObject({ tier: 'gold' });
  });

  it('adds a block that both regions enforce, then removes it', async () => {
    const key = `abuser:${unique}`;
    for (const region of ['us-east', 'eu-west'] as const) expect((await check(enforcer(region).url, { key, limit: 1000, windowSeconds: 60 })).status).toBe(200);

    await page.getByRole('link', { name: 'Block list' }).click();
    await page.getByText('Nothing is blocked.').waitFor();
    const form = page.getByRole('form', { name: 'Add block' });
    await form.locator('select[name="type"]').selectOption('ip');
    await form.locator('input[name="value"]').fill('999.1.1.1');
    await form.locator('input[name="reason"]').fill('e2e');
    await form.getByRole('button', { name: 'Block' }).click();
    await form.locator('[data-path="value"] .field-error').waitFor();

    await form.locator('select[name="type"]').selectOption('key');
    await form.locator('input[name="value"]').fill(key);
    await form.locator('input[name="ttlSeconds"]').fill('600');
    await form.locator('input[name="reason"]').fill('credential stuffing (e2e)');
    await form.getByRole('button', { name: 'Block' }).click();
    const row = page.locator(`tr[data-block="${key}"]`);
    await expectText(row, 'credential stuffing (e2e)');
    await shot('08-block-added');

    for (const region of ['us-east', 'eu-west'] as const) {
      const blocked = await checkUntil(enforcer(region).url, { key, limit: 1000, windowSeconds: 60 }, (r) => r.status === 429);
      expect(blocked.body).toMatchObject({ blocked: true, allowed: false });
    }

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('Nothing is blocked.').waitFor();
    for (const region of ['us-east', 'eu-west'] as const) await checkUntil(enforcer(region).url, { key, limit: 1000, windowSeconds: 60 }, (r) => r.status === 200);
  });

  it('shows a global policy per region, and the view moves on its own when traffic is sent', async () => {
    const globalId = `world-${unique}`.slice(0, 64);
    const globalCustomer = `gcust-${unique}`;
    const key = `g:${unique}`;
    await page.getByRole('link', { name: 'Policies' }).first().click();
    await page.getByRole('link', { name: 'New policy' }).click();
    const form = page.getByRole('form', { name: 'New policy' });
    await form.locator('input[name="id"]').fill(globalId);
    await form.locator('input[name="customerId"]').fill(globalCustomer);
    await form.locator('select[name="algorithm"]').selectOption('fixed_window');
    await form.locator('input[name="limit"]').fill('1000');
    // A day-long window: the counts cannot roll over while the test runs (global windows are epoch-aligned).
    await form.locator('input[name="windowSeconds"]').fill('86400');
    await form.locator('select[name="scope"]').selectOption('global');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText(`Policy ${globalId} created (version 1).`).waitFor();

    const request = { key, customerId: globalCustomer };
    // An enforcer that has just learnt of its first global policy denies until it has read the
    // allocations already issued (a few ms): wait for one admitted decision under the new policy.
    for (const region of ['us-east', 'eu-west'] as const) await checkUntil(enforcer(region).url, request, (r) => r.body.policy?.id === globalId && r.status === 200);
    // One admitted in each region so far; five more in us-east.
    for (let i = 0; i < 5; i++) expect((await check(enforcer('us-east').url, request)).status).toBe(200);

    await page.getByRole('link', { name: 'Per-region usage' }).click();
    await page.getByRole('heading', { name: 'Global limits, per region' }).waitFor();
    await page.getByLabel('Key').fill(key);
    await page.getByRole('button', { name: 'Show' }).click();
    const usEast = page.locator('tr[data-region="us-east"]');
    const euWest = page.locator('tr[data-region="eu-west"]');
    await waitForAttribute(usEast, 'data-admitted', (n) => n >= 6);
    await waitForAttribute(euWest, 'data-admitted', (n) => n >= 1);
    expect(Number(await usEast.getAttribute('data-allocation'))).toBeGreaterThanOrEqual(6);
    await shot('09-global-key-before');

    // Traffic in eu-west: the open page shows it without a reload (it asks every 2 s).
    for (let i = 0; i < 9; i++) expect((await check(enforcer('eu-west').url, request)).status).toBe(200);
    await waitForAttribute(euWest, 'data-admitted', (n) => n >= 10);
    const allocations = await Promise.all([usEast, euWest].map(async (row) => Number(await row.getAttribute('data-allocation'))));
    expect(allocations[0] + allocations[1]).toBeLessThanOrEqual(1000);
    await shot('10-global-key-after');

    await page.getByRole('button', { name: 'Busiest keys' }).click();
    await expectText(page.locator(`tr[data-key="${key}"]`), '16');
    await shot('11-global-busiest-keys');

    // The reconciler goes away: the view says so (502 from the policy service) and keeps the last figures.
    await reconciler?.stop();
    await expectText(page.locator('.banner-error'), 'is unreachable: connection refused');
    await page.locator(`tr[data-key="${key}"]`).waitFor();
    await shot('12-global-reconciler-down');
  });

  it('charts the most-throttled customers and keys from the decision-event rollups', async () => {
    // The policy's denials above (us-east, this customer) reach the rollups through the enforcers'
    // decision events; the console asks again on Refresh until they show.
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Throttle analytics' }).waitFor();
    // The customer may appear once per region and policy; the busiest row comes first.
    const customerRow = page.locator(`table[aria-label="Most-throttled customers"] tr[data-top="${customerId}"]`).first();
    await waitFor(
      `customer ${customerId} among the most throttled`,
      async () => {
        if ((await customerRow.count()) > 0) return true;
        await page.getByRole('button', { name: 'Refresh' }).click();
        return false;
      },
      30_000,
      1_000,
    );
    await expectText(customerRow, 'us-east');
    await expectText(customerRow, policyId);
    expect(Number((await customerRow.locator('td.num').first().textContent())?.replace(/,/g, ''))).toBeGreaterThanOrEqual(1);
    await page.locator('table[aria-label="Most-throttled keys"] tbody tr').first().waitFor();
    // Picking the customer draws its throttled requests per minute, by region.
    await customerRow.getByRole('button').click();
    await page.getByText(`customer ${customerId}`, { exact: false }).first().waitFor();
    const throttled = page.getByRole('img', { name: 'Throttled requests per minute' });
    await throttled.locator('canvas').waitFor();
    await expectText(throttled.locator('.u-legend'), 'us-east');
    await shot('13-analytics');
  });

  it('signs out and forgets the key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('rl.console.token'))).toBeNull();
    await page.goto(`${policyService.url}/#/blocks`);
    await page.getByLabel('Admin API key').waitFor();
  });

  it('ran without script errors or Content-Security-Policy violations', () => {
    expect(browser.problems).toEqual([]);
  });

  async function admin<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${policyService.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
});

/** Waits until the element's numeric attribute satisfies `ok` (the live views refresh on their own). */
async function waitForAttribute(locator: ReturnType<Page['locator']>, name: string, ok: (value: number) => boolean): Promise<void> {
  let last: string | null = null;
  await waitFor(
    `${name} to reach the expected value`,
    async () => {
      last = (await locator.count()) > 0 ? await locator.first().getAttribute(name) : null;
      return last !== null && ok(Number(last));
    },
    20_000,
    100,
  ).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last ${name}=${String(last)}`);
  });
}

/** Waits until the locator's text contains `text` (the UI updates asynchronously). */
async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
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
