import { join } from 'node:path';
import { waitFor } from '@rl/devstack';
import type { Locator, Page } from 'playwright-core';
import { artifactsDir, launchChromium, type HeadlessBrowser } from './browser';
import { check, sleep, type CheckReply } from './http';
import { startControlPlaneStack, type ControlPlaneStack } from './stack';

/**
 * The caller inspector page of the admin console in a real browser (Debian's chromium, headless)
 * against the running stack (the policy service serving the built console, two regions): the
 * matched policy and why, each region's usage, the recent decisions from the decision events, a
 * reset that reaches both regions, field errors from the API under their fields, a stacked policy
 * made in the policy form and inspected limit by limit, a concurrency policy's leases in flight
 * and their reset, an unreachable region, and no reset button for a viewer. Screenshots:
 * e2e/artifacts/console/4x-*.png.
 */
describe('admin console: caller inspector in chromium (policy service, two regions)', () => {
  const shots = artifactsDir('console');
  let stack: ControlPlaneStack;
  let browser: HeadlessBrowser;
  let page: Page;
  let editorToken = '';
  let viewerToken = '';
  let customer: string;
  let policyId: string;
  let key: string;

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    // Every decision is published at once, so the recent decisions show up within seconds.
    stack = await startControlPlaneStack({ label: 'insp', enforcerEnv: { EVENTS_SAMPLE_RATE: '1', EVENTS_FLUSH_INTERVAL_MS: '200', ESCALATION_THRESHOLD: '0' } });
    customer = `acme-${stack.unique}`;
    policyId = `gold-${stack.unique}`;
    key = `user:${stack.unique}`;
    editorToken = (await admin<{ token: string }>('POST', '/v1/api-keys', { name: 'inspector editor', role: 'editor' })).token;
    viewerToken = (await admin<{ token: string }>('POST', '/v1/api-keys', { name: 'inspector viewer', role: 'viewer' })).token;
    await admin('POST', '/v1/tiers', { id: 'gold', description: 'paying customers' });
    // A token bucket, not an hour's fixed window: a run across the top of the hour would find its counts gone.
    await admin('POST', '/v1/policies', { id: policyId, match: { customerTier: 'gold' }, algorithm: 'token_bucket', limit: 5, windowSeconds: 3_600 });
    await admin('PUT', `/v1/customers/${customer}`, { tier: 'gold' });
    for (const enforcer of stack.enforcers()) await checkUntil(enforcer.url, { key: 'probe', customerId: customer, dryRun: true }, (reply) => reply.body.policy.id === policyId);
    browser = await launchChromium();
    page = browser.page;
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function admin<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${stack.policyService.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  async function checkUntil(url: string, request: Record<string, unknown>, done: (reply: CheckReply) => boolean): Promise<CheckReply> {
    let last: CheckReply | undefined;
    await waitFor('the enforcer to answer as expected', async () => done((last = await check(url, request))), 15_000, 100).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; last answer ${last?.status} ${JSON.stringify(last?.body)}`);
    });
    return last as CheckReply;
  }

  async function signIn(token: string): Promise<void> {
    await page.goto(stack.policyService.url);
    await page.getByLabel('Admin API key').waitFor();
    await page.getByLabel('Admin API key').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
  }

  async function inspect(fields: { key: string; customerId?: string; route?: string; method?: string }): Promise<void> {
    const form = page.getByRole('form', { name: 'Inspect a caller' });
    for (const name of ['key', 'customerId', 'route', 'method'] as const) await form.locator(`input[name="${name}"]`).fill(fields[name] ?? '');
    await form.getByRole('button', { name: 'Inspect' }).click();
  }

  const region = (name: string): Locator => page.locator(`tr[data-region="${name}"]`).first();

  /** Opens the new-policy form from the policy list, with its id, customer and algorithm filled in. */
  async function newPolicyForm(fields: { id: string; customerId: string; algorithm: string }): Promise<Locator> {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Policies', exact: true }).click();
    await page.getByRole('link', { name: 'New policy' }).click();
    const form = page.getByRole('form', { name: 'New policy' });
    await form.locator('input[name="id"]').fill(fields.id);
    await form.locator('input[name="customerId"]').fill(fields.customerId);
    await form.locator('select[name="algorithm"]').selectOption(fields.algorithm);
    return form;
  }

  it("explains a throttled caller: the matched policy and why, each region's usage and its recent decisions", async () => {
    const [usEast, euWest] = stack.enforcers();
    for (let i = 0; i < 5; i++) expect(await check(usEast.url, { key, customerId: customer })).toMatchObject({ status: 200 });
    for (let i = 0; i < 2; i++) expect(await check(usEast.url, { key, customerId: customer })).toMatchObject({ status: 429 });
    expect(await check(euWest.url, { key, customerId: customer })).toMatchObject({ status: 200 });

    await signIn(editorToken);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Caller inspector', exact: true }).click();
    await page.getByRole('heading', { name: 'Caller inspector' }).waitFor();
    await inspect({ key, customerId: customer, route: '/v1/search', method: 'GET' });

    await expectText(page.locator('[data-matched-policy]'), policyId);
    expect(await page.locator('[data-matched]').getAttribute('data-matched')).toBe('tier');
    await expectText(page.locator('[data-matched-reason]'), `customer ${customer}'s tier (gold) has a policy`);
    await expectText(page.locator('[data-policy-match]'), 'tier=gold');
    // The explanation is for us-east, the first region: a check now would be denied there.
    expect(await page.locator('[data-would-status]').getAttribute('data-would-status')).toBe('429');
    await region('us-east').waitFor();
    expect(await region('us-east').getAttribute('data-used')).toBe('5');
    expect(await region('eu-west').getAttribute('data-used')).toBe('1');
    // From the decision events, as the analytics module rolls them up per minute (refreshed every 10 s).
    await page.locator('tr[data-decision-minute][data-region="us-east"]:not([data-denied="0"])').first().waitFor({ timeout: 40_000 });
    await shot('40-inspector-throttled-caller');

    // Inspecting consumed nothing.
    const counters = await admin<{ regions: Record<string, { used: number }> }>('GET', `/v1/counters?key=${encodeURIComponent(key)}&policyId=${policyId}`);
    expect([counters.regions['us-east'].used, counters.regions['eu-west'].used]).toEqual([5, 1]);
  });

  it('resets the counter in both regions from the page', async () => {
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Reset counter' }).click();
    await expectText(page.locator('.banner-success'), 'Reset sent to every region');
    await waitFor('both regions to show the reset', async () => (await region('us-east').getAttribute('data-used')) === '0' && (await region('eu-west').getAttribute('data-used')) === '0', 10_000, 100);
    // The explanation is asked again: a check now would be admitted.
    await page.locator('[data-would-status="200"]').waitFor();
    await expectText(page.locator('.banner-success'), 'Reset sent to every region');
    await shot('41-inspector-reset');
    const [usEast] = stack.enforcers();
    expect((await check(usEast.url, { key, customerId: customer })).status).toBe(200);
  });

  it('shows the API\'s field errors under the fields', async () => {
    await inspect({ key, customerId: customer, method: 'G ET' });
    await expectText(page.locator('[data-path="method"] .field-error'), 'must be letters only');
    await shot('42-inspector-field-error');
  });

  it("creates a stacked policy in the form, with the API's errors under the right limit's field, and inspects every limit", async () => {
    const planId = `plan-${stack.unique}`.slice(0, 64);
    const planCustomer = `plan-${stack.unique}`;
    const form = await newPolicyForm({ id: planId, customerId: planCustomer, algorithm: 'fixed_window' });
    await form.getByRole('button', { name: 'Add limit' }).click();
    await form.getByRole('button', { name: 'Add limit' }).click();
    await form.getByRole('button', { name: 'Add limit' }).click();
    // The policy's own limit and window give way to the stack's.
    expect(await form.locator('input[name="limit"]').count()).toBe(0);
    await form.locator('input[name="limits[0].name"]').fill('minute');
    await form.locator('input[name="limits[0].limit"]').fill('3');
    await form.locator('input[name="limits[1].name"]').fill('month');
    await form.locator('input[name="limits[1].limit"]').fill('0');
    await form.locator('select[name="limits[1].window"]').selectOption('calendar-month');
    await form.locator('input[name="limits[1].timeZone"]').fill('Mars/Olympus');
    await form.locator('input[name="limits[2].name"]').fill('spare');
    // The body's shape first (400)...
    await form.getByRole('button', { name: 'Create policy' }).click();
    await expectText(form.locator('[data-path="limits[1].limit"] .field-error'), 'must be an integer from 1 to 1000000000');
    await expectText(form.locator('[data-path="limits[2].limit"] .field-error'), 'is required');
    expect(await form.locator('[data-path="limits[0].limit"] .field-error').count()).toBe(0);
    await shot('44-policy-stacked-limit-errors');

    // ...then the rules across fields (422), such as a known time zone.
    await form.getByRole('button', { name: 'Remove limit 3' }).click();
    await form.locator('input[name="limits[1].limit"]').fill('1000');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await expectText(form.locator('[data-path="limits[1].timeZone"] .field-error'), 'must be an IANA time zone');
    expect(await form.locator('[data-path="limits[1].limit"] .field-error').count()).toBe(0);
    await form.locator('input[name="limits[1].timeZone"]').fill('Europe/Berlin');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText(`Policy ${planId} created (version 1).`).waitFor();
    expect(await admin('GET', `/v1/policies/${planId}`)).toMatchObject({
      limit: 3,
      windowSeconds: 60,
      limits: [
        { name: 'minute', limit: 3, windowSeconds: 60, algorithm: 'fixed_window', burst: 3 },
        { name: 'month', limit: 1000, window: 'calendar-month', timeZone: 'Europe/Berlin', algorithm: 'fixed_window', burst: 1000 },
      ],
    });
    await shot('45-policy-stacked-created');

    // Edited on the policy's page: a limit changed, one added, as version 2.
    const edit = page.getByRole('form', { name: 'Edit policy' });
    await edit.locator('input[name="limits[0].limit"]').fill('4');
    await edit.getByRole('button', { name: 'Add limit' }).click();
    await edit.locator('input[name="limits[2].name"]').fill('day');
    await edit.locator('input[name="limits[2].limit"]').fill('50');
    await edit.locator('input[name="limits[2].windowSeconds"]').fill('86400');
    await edit.getByRole('button', { name: 'Save as version 2' }).click();
    await page.getByText('Saved version 2.').waitFor();
    expect(((await admin<{ limits: { name: string; limit: number }[] }>('GET', `/v1/policies/${planId}`)).limits).map((l) => [l.name, l.limit])).toEqual([
      ['minute', 4],
      ['month', 1000],
      ['day', 50],
    ]);

    const [usEast] = stack.enforcers();
    const caller = { key: `planner:${stack.unique}`, customerId: planCustomer };
    // Dry runs (nothing counted) until us-east has version 2, then one real check.
    await checkUntil(usEast.url, { ...caller, dryRun: true }, (reply) => reply.body.policy.id === planId && reply.body.policy.version === 2);
    // The minute limit counts in aligned minutes: check and inspect inside one.
    if (60_000 - (Date.now() % 60_000) < 20_000) await sleep(60_000 - (Date.now() % 60_000) + 50);
    const first = await check(usEast.url, caller);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe(`"${planId}-minute";q=4;w=60, "${planId}-month";q=1000;w=2592000, "${planId}-day";q=50;w=86400`);
    await page.goto(`${stack.policyService.url}/#/inspector?key=${encodeURIComponent(caller.key)}&customerId=${encodeURIComponent(planCustomer)}`);
    await expectText(page.locator('[data-matched-policy]'), planId);
    const limitRow = (name: string): Locator => page.locator(`tr[data-region-limit="us-east/${planId}-${name}"]`);
    await limitRow('month').waitFor();
    expect([await limitRow('minute').getAttribute('data-used'), await limitRow('month').getAttribute('data-used')]).toEqual(['1', '1']);
    expect(await limitRow('month').getAttribute('data-remaining')).toBe('999');
    await shot('46-inspector-stacked-limits');
  });

  it("creates a concurrency policy in the form and inspects a key's leases in flight, then resets them", async () => {
    const streamsId = `streams-${stack.unique}`.slice(0, 64);
    const streamer = { key: `streamer:${stack.unique}`, customerId: `streams-${stack.unique}` };
    const form = await newPolicyForm({ id: streamsId, customerId: streamer.customerId, algorithm: 'concurrency' });
    // A concurrency policy has one limit: no stacked limits, no window.
    expect(await form.getByRole('button', { name: 'Add limit' }).count()).toBe(0);
    await form.locator('input[name="limit"]').fill('2');
    await form.locator('input[name="leaseSeconds"]').fill('120');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText(`Policy ${streamsId} created (version 1).`).waitFor();

    const [usEast] = stack.enforcers();
    const acquire = async (): Promise<{ status: number; policyId: string }> => {
      const res = await fetch(`${usEast.url}/v1/acquire`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(streamer) });
      return { status: res.status, policyId: ((await res.json()) as { policy: { id: string } }).policy.id };
    };
    // Until the policy reaches us-east, an acquire holds nothing (policy "none").
    await waitFor('the concurrency policy in us-east', async () => (await acquire()).policyId === streamsId, 15_000, 100);
    expect(await acquire()).toEqual({ status: 200, policyId: streamsId });
    expect(await acquire()).toEqual({ status: 429, policyId: streamsId });

    await page.goto(`${stack.policyService.url}/#/inspector?key=${encodeURIComponent(streamer.key)}&customerId=${encodeURIComponent(streamer.customerId)}&policyId=${streamsId}`);
    await page.locator(`[data-usage-policy="${streamsId}"]`).waitFor();
    await page.locator('tr[data-region="us-east"][data-in-flight="2"]').waitFor();
    await expectText(region('us-east').locator('[data-leases]'), '2 in flight, the next lease expires in');
    expect(await region('us-east').getAttribute('data-remaining')).toBe('0');
    expect(await region('eu-west').getAttribute('data-in-flight')).toBe('0');
    // The denied acquire is a decision event like a denied check (refreshed every 10 s).
    await page.locator('tr[data-decision-minute][data-region="us-east"][data-denied="1"]').filter({ hasText: streamsId }).waitFor({ timeout: 40_000 });
    await shot('47-inspector-concurrency-leases');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Reset counter' }).click();
    await page.locator('tr[data-region="us-east"][data-in-flight="0"]').waitFor();
    expect(await acquire()).toEqual({ status: 200, policyId: streamsId });
  });

  it('shows a viewer no reset button, and a region whose enforcer is down as unreachable', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(viewerToken);
    await page.goto(`${stack.policyService.url}/#/inspector?key=${encodeURIComponent(key)}&customerId=${encodeURIComponent(customer)}`);
    await expectText(page.locator('[data-matched-policy]'), policyId);
    await region('eu-west').waitFor();
    expect(await page.getByRole('button', { name: 'Reset counter' }).count()).toBe(0);

    await stack.euWest.stop();
    await page.locator('tr[data-region="eu-west"][data-unreachable="yes"]').waitFor();
    await expectText(region('eu-west'), 'unreachable');
    expect(await region('us-east').getAttribute('data-used')).toBe('1');
    await shot('43-inspector-viewer-unreachable-region');
    expect(browser.problems).toEqual([]);
  });
});

async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.first().waitFor();
  await waitFor(`text "${text}"`, async () => ((await locator.first().textContent()) ?? '').includes(text), 10_000, 50).catch(async (error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; the element reads "${await locator.first().textContent()}"`);
  });
}
