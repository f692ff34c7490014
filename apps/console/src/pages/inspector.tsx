import { useEffect, useMemo, useState } from 'preact/hooks';
import { describeEstimate, rangeQuery } from '../analytics';
import { Badge, Bar, Empty, ErrorBanner, Field, FormBanner, Loading, Notice, PageHeader } from '../components';
import { useApi, useSession } from '../context';
import { formErrors, NO_ERRORS } from '../field-errors';
import { describeMatch, formatCount, formatSeconds, formatTime } from '../format';
import { useAsync, usePolling } from '../hooks';
import { matchedReason, noneWhenNotFound, recentDecisions, regionRows } from '../inspector';
import { routeHref, type InspectedCaller } from '../router';
import { keyHash } from '../sha256';
import type { CheckExplanation, CounterReset, CounterState, CountersView, Customer, Policy, TimeSeries } from '../types';

/** How often each region's usage is asked again (through the policy service, from each enforcer). */
export const INSPECTOR_REFRESH_MS = 2000;
/** Control changes reach every region within this long (the reset's budget), so the explanation is asked again after it. */
const RESET_APPLIED_MS = 1000;
/** The recent decisions cover this many minutes. */
const RECENT_MINUTES = 60;
const FIELDS = [
  { name: 'key', label: 'Key', hint: "the check's key, e.g. user:42" },
  { name: 'customerId', label: 'Customer', hint: 'optional' },
  { name: 'route', label: 'Route', hint: 'optional, e.g. /v1/search' },
  { name: 'method', label: 'Method', hint: 'optional, e.g. GET' },
  { name: 'policyId', label: 'Policy', hint: "optional: another policy's counter, e.g. a concurrency policy" },
] as const;
type FieldName = (typeof FIELDS)[number]['name'];
const FIELD_NAMES: readonly FieldName[] = FIELDS.map((field) => field.name);
/** The fields that describe the caller (the explanation's check); `policyId` only picks the counter shown. */
const CALLER_FIELDS = ['key', 'customerId', 'route', 'method'] as const satisfies readonly FieldName[];

/**
 * The caller inspector: for a key (with its customer, route and method), the policy a check would
 * get and why (a dry run on an enforcer, nothing consumed), that counter's usage in every region
 * (each region's enforcer, refreshed; a region that does not answer says so), the recent decisions
 * for the key (the decision events' per-minute rollups, by key hash), and, for editors, a reset of
 * the counter in every region.
 */
export function InspectorPage(props: { caller: InspectedCaller; policyId?: string; navigate: (href: string, flash?: string) => void }) {
  const api = useApi();
  const href = routeHref({ page: 'inspector', caller: props.caller, policyId: props.policyId });
  const key = props.caller.key;
  const [form, setForm] = useState<Record<FieldName, string>>(() => formOf(props.caller, props.policyId));
  useEffect(() => setForm(formOf(props.caller, props.policyId)), [href]);
  // Each answer remembers the caller it explains, so a reload (after a reset) keeps the page while a new caller does not show the old answer.
  const explanation = useAsync(
    () => (key === undefined ? Promise.resolve(undefined) : api.post<CheckExplanation>('/v1/counters/explain', props.caller).then((explained) => ({ href, explained }))),
    [href],
  );
  const current = explanation.state.status !== 'error' && explanation.state.value?.href === href ? explanation.state.value.explained : undefined;
  const errors = explanation.state.status === 'error' ? formErrors(explanation.state.error, FIELD_NAMES) : NO_ERRORS;

  const inspect = (event: Event): void => {
    event.preventDefault();
    const given = (name: FieldName): string | undefined => (form[name].trim() === '' ? undefined : form[name].trim());
    const caller: InspectedCaller = Object.fromEntries(CALLER_FIELDS.map((name) => [name, given(name)]));
    const next = routeHref({ page: 'inspector', caller, policyId: given('policyId') });
    if (next === href) void explanation.reload();
    else props.navigate(next);
  };

  return (
    <section>
      <PageHeader title="Caller inspector" subtitle="Why is this caller throttled, and by what? Explained with a dry run: nothing is consumed." />
      <form class="form form-inline card" onSubmit={inspect} aria-label="Inspect a caller" noValidate>
        {FIELDS.map((field) => (
          <Field key={field.name} label={field.label} path={field.name} errors={errors} hint={field.hint}>
            <input name={field.name} value={form[field.name]} onInput={(e) => setForm({ ...form, [field.name]: e.currentTarget.value })} autocomplete="off" />
          </Field>
        ))}
        <button type="submit" class="button-primary">
          Inspect
        </button>
      </form>
      <FormBanner errors={errors} />
      {key === undefined ? (
        <Empty>Enter a key (and the customer, route and method of its requests) to see which policy applies, its usage in every region and its recent decisions.</Empty>
      ) : current !== undefined ? (
        <Inspection key={href} caller={{ ...props.caller, key }} policyId={props.policyId} explained={current} onReset={() => void explanation.reload()} />
      ) : explanation.state.status === 'loading' ? (
        <Loading what="the explanation" />
      ) : null}
    </section>
  );
}

function formOf(caller: InspectedCaller, policyId: string | undefined): Record<FieldName, string> {
  return { key: caller.key ?? '', customerId: caller.customerId ?? '', route: caller.route ?? '', method: caller.method ?? '', policyId: policyId ?? '' };
}

function Inspection(props: { caller: InspectedCaller & { key: string }; policyId: string | undefined; explained: CheckExplanation; onReset: () => void }) {
  const api = useApi();
  const { caller, explained } = props;
  const decision = explained.decision;
  // The stored policy and the customer's tier make the "why" concrete; the default and inline policies are not stored.
  const policy = useAsync(() => api.get<Policy>(`/v1/policies/${encodeURIComponent(decision.policy.id)}`).catch(noneWhenNotFound), [decision.policy.id]).state.value;
  const customerId = caller.customerId;
  const customer = useAsync(
    () => (customerId === undefined ? Promise.resolve(undefined) : api.get<Customer>(`/v1/customers/${encodeURIComponent(customerId)}`).catch(noneWhenNotFound)),
    [customerId],
  ).state.value;
  return (
    <div data-inspection={caller.key}>
      <div class="card" aria-label="Matched policy">
        <div class="card-header">
          <h2>
            Policy <a href={routeHref({ page: 'policy', id: decision.policy.id })} class="mono" data-matched-policy={decision.policy.id}>{decision.policy.id}</a>{' '}
            <span class="muted small">version {decision.policy.version}</span>
          </h2>
          <span data-matched={decision.matched ?? ''}>
            <Badge tone="info">matched: {decision.matched ?? 'unknown'}</Badge>
          </span>
        </div>
        <p data-matched-reason>Why: {matchedReason(decision.matched, { ...caller, tier: customer?.tier })}.</p>
        {policy !== undefined && describeMatch(policy.match) !== '' ? (
          <p class="muted small" data-policy-match>
            The policy matches <span class="mono">{describeMatch(policy.match)}</span>.
          </p>
        ) : null}
        <dl class="facts">
          <div>
            <dt>A check now would get</dt>
            <dd data-would-status={explained.status}>
              {explained.status === 200 ? <Badge tone="good">200 allowed</Badge> : explained.status === 429 ? <Badge tone="bad">429 denied</Badge> : <Badge tone="warn">{explained.status}</Badge>}
              {decision.blocked === true ? <Badge tone="bad">blocked</Badge> : null}
              {decision.shadow === true ? <Badge tone="neutral">shadow</Badge> : null}
              {decision.degraded === true ? <Badge tone="warn">degraded</Badge> : null}
            </dd>
          </div>
          <div>
            <dt>Limit</dt>
            <dd>{formatCount(decision.limit)}</dd>
          </div>
          <div>
            <dt>Remaining after it</dt>
            <dd>{formatCount(decision.remaining)}</dd>
          </div>
          <div>
            <dt>Full again in</dt>
            <dd>{formatSeconds(decision.resetSeconds)}</dd>
          </div>
          {decision.retryAfterSeconds > 0 ? (
            <div>
              <dt>Retry after</dt>
              <dd>{formatSeconds(decision.retryAfterSeconds)}</dd>
            </div>
          ) : null}
          <div>
            <dt>Explained by</dt>
            <dd>{explained.region}</dd>
          </div>
        </dl>
        <details>
          <summary class="small">Headers of that answer</summary>
          <pre class="mono small">{Object.entries(explained.headers).map(([name, value]) => `${name}: ${value}`).join('\n')}</pre>
        </details>
      </div>
      <RegionUsage policyId={props.policyId ?? decision.policy.id} chosen={props.policyId !== undefined} keyName={caller.key} onReset={props.onReset} />
      <RecentDecisions keyName={caller.key} policyId={decision.policy.id} />
    </div>
  );
}

function RegionUsage(props: { policyId: string; chosen: boolean; keyName: string; onReset: () => void }) {
  const api = useApi();
  const { canEdit } = useSession();
  const query = { key: props.keyName, policyId: props.policyId };
  const { state, reload } = usePolling(() => api.get<CountersView>('/v1/counters', query), INSPECTOR_REFRESH_MS, [props.policyId, props.keyName]);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const rows = useMemo(() => (state.value === undefined ? [] : regionRows(state.value)), [state.value]);

  const reset = async (): Promise<void> => {
    if (!window.confirm(`Reset ${props.keyName} under ${props.policyId} in every region? Its usage starts again from zero.`)) return;
    setBusy(true);
    setNotice(undefined);
    setFailure(undefined);
    try {
      const result = await api.request<CounterReset>('DELETE', '/v1/counters', { query });
      setNotice(`Reset sent to every region (control revision ${result.revision}); the regions apply it within a second.`);
      await reload();
      // The explanation is asked again once every region has had the propagation budget to apply the reset.
      setTimeout(props.onReset, RESET_APPLIED_MS);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="card" aria-label="Usage per region">
      <div class="card-header">
        <h2>Usage in each region</h2>
        {canEdit ? (
          <button type="button" class="button-danger" onClick={() => void reset()} disabled={busy}>
            Reset counter
          </button>
        ) : null}
      </div>
      {props.chosen ? (
        <p class="muted small" data-usage-policy={props.policyId}>
          The counter of policy <span class="mono">{props.policyId}</span> for this key, as chosen in the form.
        </p>
      ) : null}
      {notice !== undefined ? <Notice kind="success">{notice}</Notice> : null}
      {failure !== undefined ? <ErrorBanner error={failure} /> : null}
      {state.status === 'error' ? <ErrorBanner error={state.error} onRetry={() => void reload()} /> : null}
      {state.value === undefined ? (
        state.status === 'loading' ? <Loading what="each region's counter" /> : null
      ) : (
        <table class="table regions" aria-label="Regions">
          <thead>
            <tr>
              <th>Region</th>
              <th class="wide">Used / limit</th>
              <th class="num">Used</th>
              <th class="num">Remaining</th>
              <th>Full again in</th>
              <th>Held by the answering enforcer</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) =>
              'unreachable' in row ? (
                <tr key={row.region} data-region={row.region} data-unreachable="yes">
                  <td>
                    <span class="strong">{row.region}</span> <Badge tone="bad">unreachable</Badge>
                  </td>
                  <td colSpan={5} class="muted">
                    {row.unreachable}
                  </td>
                </tr>
              ) : (
                <RegionState key={row.region} region={row.region} state={row.state} />
              ),
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}

/**
 * One region's counter: a row with its usage (a stack's most constraining limit), then one row per
 * limit of a stacked policy; a concurrency policy's usage is its leases in flight.
 */
function RegionState(props: { region: string; state: CounterState }) {
  const { region, state } = props;
  return (
    <>
      <tr data-region={region} data-used={state.used} data-remaining={state.remaining} data-in-flight={state.leases?.inFlight}>
        <td>
          <span class="strong">{region}</span> <span class="muted small">{state.instance}</span>
        </td>
        <UsageCells usage={state} />
        <td>
          {state.leases !== undefined ? (
            <span data-leases>
              {formatCount(state.leases.inFlight)} in flight{state.leases.inFlight > 0 ? `, the next lease expires in ${formatSeconds(state.leases.nextExpirySeconds)}` : ''}
            </span>
          ) : null}
          {state.leasedUnits > 0 ? <Badge tone="info">lease: {formatCount(state.leasedUnits)} units</Badge> : null}{' '}
          {state.denyCached ? <Badge tone="bad">deny cache</Badge> : null}
          {state.leasedUnits === 0 && !state.denyCached && state.leases === undefined ? <span class="muted">nothing</span> : null}
        </td>
      </tr>
      {(state.limits ?? []).map((limit) => (
        <tr key={limit.name} data-region-limit={`${region}/${limit.name}`} data-used={limit.used} data-remaining={limit.remaining}>
          <td class="mono small">{limit.name}</td>
          <UsageCells usage={limit} />
          <td />
        </tr>
      ))}
    </>
  );
}

/** The usage columns of a region's counter or of one of its limits. */
function UsageCells(props: { usage: { limit: number; used: number; remaining: number; resetSeconds: number } }) {
  const { limit, used, remaining, resetSeconds } = props.usage;
  return (
    <>
      <td class="wide">
        <Bar value={used} max={limit} tone={remaining <= 0 ? 'bad' : used / Math.max(1, limit) > 0.8 ? 'warn' : 'good'} />
      </td>
      <td class="num">
        {formatCount(used)} / {formatCount(limit)}
      </td>
      <td class="num">{formatCount(remaining)}</td>
      <td>{formatSeconds(resetSeconds)}</td>
    </>
  );
}

function RecentDecisions(props: { keyName: string; policyId: string }) {
  const api = useApi();
  const hash = useMemo(() => keyHash(props.keyName), [props.keyName]);
  const { state, reload } = usePolling(
    () => api.get<TimeSeries>('/v1/analytics/timeseries', { ...rangeQuery(RECENT_MINUTES, Date.now()), keyHash: hash }),
    INSPECTOR_REFRESH_MS * 5,
    [hash],
  );
  const rows = useMemo(() => (state.value === undefined ? [] : recentDecisions(state.value)), [state.value]);
  return (
    <div class="card" aria-label="Recent decisions">
      <h2>Recent decisions</h2>
      <p class="muted small">
        Per minute over the last hour, from the enforcers' decision events for key hash <span class="mono">{hash}</span>, every policy. Allowed counts are estimates when
        events are sampled; denials are counted.
      </p>
      {state.status === 'error' ? <ErrorBanner error={state.error} onRetry={() => void reload()} /> : null}
      {state.value === undefined ? (
        state.status === 'loading' ? <Loading what="recent decisions" /> : null
      ) : rows.length === 0 ? (
        <Empty>No decisions for this key in the last hour.</Empty>
      ) : (
        <table class="table" aria-label="Decisions per minute">
          <thead>
            <tr>
              <th>Minute</th>
              <th>Region</th>
              <th>Policy</th>
              <th class="num">Allowed</th>
              <th class="num">Denied</th>
              <th class="num">Shadow-denied</th>
              <th class="num">Blocked</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const allowed = describeEstimate(row.allowed, row.allowedEstimate, formatCount);
              return (
                <tr key={`${row.minute}/${row.region}/${row.policyId}`} data-decision-minute={row.minute} data-region={row.region} data-denied={row.denied} class={row.policyId === props.policyId ? '' : 'muted'}>
                  <td>{formatTime(row.minute)}</td>
                  <td>{row.region}</td>
                  <td class="mono">{row.policyId}</td>
                  <td class="num" title={allowed.title}>
                    {allowed.text}
                  </td>
                  <td class="num">{row.denied > 0 ? <span class="text-bad">{formatCount(row.denied)}</span> : '0'}</td>
                  <td class="num">{formatCount(row.shadowDenied)}</td>
                  <td class="num">{formatCount(row.blocked)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
