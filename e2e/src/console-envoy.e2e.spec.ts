import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decisionEventsStream, policyChangesStream } from '@rl/contracts';
import { startPolicyService, waitFor, workspaceRoot, type ServiceHandle } from '@rl/devstack';
import { envoyRuleId } from '@rl/envoy-config';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { connect } from 'nats';
import type { Page } from 'playwright-core';
import { artifactsDir, launchChromium, type HeadlessBrowser } from './browser';
import { NATS_URL } from './stack';

const fixture = (file: string): string => readFileSync(join(workspaceRoot(), 'libs', 'envoy-config', 'src', 'fixtures', file), 'utf8');

/**
 * The admin console in a real browser (Debian's chromium, headless) showing policies imported from
 * envoyproxy/ratelimit files: grouped by domain, in file order, nested descriptors indented, with
 * their rate limits and settings; an imported policy's page says how to change it and offers no
 * edit. Screenshots go to e2e/artifacts/console-envoy/.
 */
describe('admin console in chromium: imported envoy rules grouped by domain', () => {
  const unique = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const namespace = `e2econsoleenvoy${unique}`;
  const adminToken = `e2e-admin-${unique}`;
  const shots = artifactsDir('console-envoy');
  let database: TestDatabase;
  let policyService: ServiceHandle;
  let browser: HeadlessBrowser;
  let page: Page;

  const importFile = async (text: string): Promise<number> =>
    (
      await fetch(`${policyService.url}/v1/imports/envoy-ratelimit`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/yaml' },
        body: text,
      })
    ).status;

  beforeAll(async () => {
    database = await createTestDatabase();
    policyService = await startPolicyService({
      databaseUrl: database.url,
      natsUrl: NATS_URL,
      namespace,
      adminToken,
      env: { CONSOLE_DIR: join(workspaceRoot(), 'dist', 'console') },
    });
    expect(await importFile(fixture('edge.yaml'))).toBe(201);
    expect(await importFile(fixture('example2.yaml'))).toBe(201);
    const created = await fetch(`${policyService.url}/v1/policies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'free-tier', match: { customerTier: 'free' }, algorithm: 'token_bucket', limit: 100, windowSeconds: 60 }),
    });
    expect(created.status).toBe(201);
    browser = await launchChromium();
    page = browser.page;
    page.setDefaultTimeout(15_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await policyService?.stop();
    await database?.drop();
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await nc.jetstreamManager();
      for (const stream of [policyChangesStream(namespace), decisionEventsStream(namespace)]) await jsm.streams.delete(stream).catch(() => false);
    } finally {
      await nc.close();
    }
  });

  it('lists ordinary policies, then each domain in file order with its rate limits and settings', async () => {
    await page.goto(policyService.url);
    await page.getByLabel('Admin API key').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Policies' }).waitFor();

    await page.getByRole('table', { name: 'Policies' }).locator('tr[data-policy="free-tier"]').waitFor();
    expect(await page.getByRole('table', { name: 'Policies' }).locator('tbody tr').count()).toBe(1);

    const domains = await page.locator('[data-envoy-domain]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-envoy-domain')));
    expect(domains).toEqual(['edge', 'messaging']);

    const edge = page.getByRole('table', { name: 'Envoy domain edge' });
    const rows = await edge.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).slice(0, 3).map((td) => (td.textContent ?? '').trim())));
    expect(rows.slice(0, 8)).toEqual([
      ['remote_address', '4 / minute', ''],
      ['remote_address=10.0.0.66', '0 / minute (denies all)', ''],
      ['remote_address=10.0.0.1', 'no rate_limit', ''],
      ['plan=gold', 'no rate_limit', ''],
      ['api_key', '3 / hour', 'name gold_api_key'],
      ['api_key=trusted', 'unlimited', ''],
      ['plan=promo', 'no rate_limit', ''],
      ['api_key', '5 / hour', 'replaces gold_api_key'],
    ]);
    expect(rows).toContainEqual(['path=/files/*', '3 / hour', 'share_threshold']);
    expect(rows).toContainEqual(['tenant', '2 / day', 'shadow']);
    expect(rows).toContainEqual(['search', '3 / minute', 'sliding_windowfails closed']);
    // Nested descriptors are indented by their level.
    expect(await edge.locator(`tr[data-policy="${envoyRuleId('edge', [{ key: 'plan', value: 'gold' }, { key: 'api_key' }])}"] td.envoy-depth-1`).count()).toBe(1);
    await page.screenshot({ path: join(shots, '01-policies-by-domain.png'), fullPage: true });

    // The search reaches into descriptors and domains.
    await page.getByLabel('Search policies').fill('messaging');
    await waitFor('only the messaging domain', async () => (await page.locator('[data-envoy-domain]').count()) === 1, 10_000);
    expect(await page.getByRole('table', { name: 'Policies' }).count()).toBe(0);
    await page.getByLabel('Search policies').fill('');
  });

  it("shows an imported policy's path and how to change it, with no edit or rollback", async () => {
    const id = envoyRuleId('edge', [{ key: 'remote_address' }]);
    await page.getByRole('table', { name: 'Envoy domain edge' }).getByRole('link', { name: id }).click();
    await page.getByRole('heading', { name: id }).waitFor();
    await page.getByText('envoy domain edge · remote_address').waitFor();
    await page.getByText('change it by importing that file again').waitFor();
    expect(await page.getByRole('heading', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await page.screenshot({ path: join(shots, '02-imported-policy.png'), fullPage: true });
    expect(browser.problems).toEqual([]);
  });
});
