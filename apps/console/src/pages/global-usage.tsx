import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { Badge, Bar, Empty, ErrorBanner, Loading, Notice, PageHeader } from '../components';
import { useApi } from '../context';
import { formatCount, formatRelative, formatSeconds, formatTime } from '../format';
import { useAsync, useNow, usePolling } from '../hooks';
import { routeHref } from '../router';
import type { GlobalKeyUsage, GlobalPolicyUsage, Policy, RegionUsage } from '../types';

/** How often the per-region view asks again (through the policy service, from the reconciler). */
export const GLOBAL_REFRESH_MS = 2000;

/**
 * Live per-region view of global policies: for a policy, its busiest keys this window; for a key,
 * each region's admitted requests against the allocation the reconciler gave it. Refreshes every
 * two seconds; keeps showing the last answer while the reconciler is unreachable.
 */
export function GlobalUsagePage(props: { policyId?: string; keyId?: string; navigate: (href: string) => void }) {
  const api = useApi();
  const policies = useAsync(() => api.get<{ items: Policy[] }>('/v1/policies'), []);
  const globals = (policies.state.value?.items ?? []).filter((p) => p.scope === 'global').sort((a, b) => a.id.localeCompare(b.id));
  const policyId = props.policyId ?? globals[0]?.id;
  const [keyInput, setKeyInput] = useState(props.keyId ?? '');
  useEffect(() => setKeyInput(props.keyId ?? ''), [props.keyId]);

  const go = (next: { policyId?: string; key?: string }): void => props.navigate(routeHref({ page: 'global', ...next }));

  return (
    <section>
      <PageHeader title="Global limits, per region" subtitle="Usage this window against each region's allocation; the reconciler moves allocation to where demand is." />
      <div class="toolbar">
        <label class="inline-label">
          Policy
          <select
            name="policyId"
            value={policyId ?? ''}
            onChange={(e) => go({ policyId: e.currentTarget.value })}
            disabled={globals.length === 0}
            aria-label="Global policy"
          >
            {globals.map((p) => (
              <option key={p.id} value={p.id}>
                {p.id} ({formatCount(p.limit)} / {formatSeconds(p.windowSeconds)})
              </option>
            ))}
          </select>
        </label>
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            go({ policyId, key: keyInput.trim() === '' ? undefined : keyInput.trim() });
          }}
        >
          <input name="key" class="search" placeholder="key, e.g. user:42 (empty: busiest keys)" aria-label="Key" value={keyInput} onInput={(e) => setKeyInput(e.currentTarget.value)} />
          <button type="submit">Show</button>
          {props.keyId !== undefined ? (
            <button type="button" onClick={() => go({ policyId })}>
              Busiest keys
            </button>
          ) : null}
        </form>
      </div>
      {policies.state.status === 'error' ? <ErrorBanner error={policies.state.error} onRetry={() => void policies.reload()} /> : null}
      {policies.state.value === undefined ? (
        policies.state.status === 'loading' ? <Loading what="policies" /> : null
      ) : policyId === undefined ? (
        <Empty>
          No global policy yet. Create a policy with scope <span class="mono">global</span> to share one limit across regions.
        </Empty>
      ) : (
        <LiveUsage key={`${policyId}/${props.keyId ?? ''}`} policyId={policyId} keyId={props.keyId} onKey={(key) => go({ policyId, key })} />
      )}
    </section>
  );
}

function LiveUsage(props: { policyId: string; keyId?: string; onKey: (key: string) => void }) {
  const api = useApi();
  const now = useNow(500);
  const { state } = usePolling(
    () => api.get<GlobalKeyUsage | GlobalPolicyUsage>('/v1/global-usage', { policyId: props.policyId, key: props.keyId }),
    GLOBAL_REFRESH_MS,
    [props.policyId, props.keyId],
  );
  const notFound = state.status === 'error' && state.error instanceof ApiError && state.error.status === 404;
  const updatedAt = state.status === 'ok' ? state.at : undefined;
  const [lastGood, setLastGood] = useState<number | undefined>(undefined);
  useEffect(() => {
    if (updatedAt !== undefined) setLastGood(updatedAt);
  }, [updatedAt]);

  return (
    <div class="live" data-live-policy={props.policyId}>
      <div class="live-status muted" aria-live="polite">
        <span class={`dot ${state.status === 'error' && !notFound ? 'dot-bad' : 'dot-good'}`} aria-hidden="true" />
        {lastGood === undefined ? 'waiting for the first answer…' : `updated ${formatRelative(new Date(lastGood).toISOString(), now)}`} · refreshes every{' '}
        {GLOBAL_REFRESH_MS / 1000} s
      </div>
      {notFound ? (
        <Notice kind="info">{props.keyId === undefined ? 'No traffic for this policy in the current window yet.' : `No traffic for ${props.keyId} in the current window yet.`}</Notice>
      ) : state.status === 'error' ? (
        <ErrorBanner error={state.error} />
      ) : null}
      {state.value === undefined || notFound ? (
        state.status === 'loading' ? <Loading what="usage" /> : null
      ) : 'key' in state.value ? (
        <KeyView usage={state.value} now={now} />
      ) : (
        <PolicyView usage={state.value} onKey={props.onKey} />
      )}
    </div>
  );
}

function WindowFacts(props: { limit: number; windowSeconds: number; windowStart: string; epoch: number; leader?: boolean }) {
  return (
    <dl class="facts">
      <div>
        <dt>Limit (world)</dt>
        <dd>{formatCount(props.limit)}</dd>
      </div>
      <div>
        <dt>Window</dt>
        <dd>
          {formatSeconds(props.windowSeconds)} from {formatTime(props.windowStart)}
        </dd>
      </div>
      <div>
        <dt>Allocation epoch</dt>
        <dd>{props.epoch}</dd>
      </div>
      {props.leader !== undefined ? (
        <div>
          <dt>Answered by</dt>
          <dd>{props.leader ? <Badge tone="good">leader</Badge> : <Badge tone="warn">follower</Badge>}</dd>
        </div>
      ) : null}
    </dl>
  );
}

function KeyView(props: { usage: GlobalKeyUsage; now: number }) {
  const { usage } = props;
  const admitted = usage.regions.reduce((sum, r) => sum + r.admitted, 0);
  const allocated = usage.regions.reduce((sum, r) => sum + r.allocation, 0);
  return (
    <div class="card">
      <h2 class="mono">{usage.key}</h2>
      <WindowFacts limit={usage.limit} windowSeconds={usage.windowSeconds} windowStart={usage.windowStart} epoch={usage.epoch} leader={usage.leader} />
      <div class="world" data-world-admitted={admitted}>
        <span class="strong">World</span> {formatCount(admitted)} admitted of {formatCount(usage.limit)} · {formatCount(allocated)} allocated
        <Bar value={admitted} max={usage.limit} tone={admitted >= usage.limit ? 'bad' : 'good'} />
      </div>
      <table class="table regions" aria-label="Regions">
        <thead>
          <tr>
            <th>Region</th>
            <th class="wide">Admitted / allocation</th>
            <th class="num">Admitted</th>
            <th class="num">Allocation</th>
            <th class="num">Denied</th>
            <th>Last report</th>
          </tr>
        </thead>
        <tbody>
          {usage.regions.map((r) => (
            <RegionRow key={r.region} region={r} now={props.now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RegionRow(props: { region: RegionUsage; now: number }) {
  const r = props.region;
  const full = r.allocation > 0 && r.admitted >= r.allocation;
  return (
    <tr data-region={r.region} data-admitted={r.admitted} data-allocation={r.allocation}>
      <td>
        <span class="strong">{r.region}</span> {r.silent === true ? <Badge tone="bad">silent</Badge> : null}
      </td>
      <td class="wide">
        <Bar value={r.admitted} max={r.allocation} tone={full ? 'bad' : r.admitted / Math.max(1, r.allocation) > 0.8 ? 'warn' : 'good'} />
      </td>
      <td class="num">{formatCount(r.admitted)}</td>
      <td class="num">{formatCount(r.allocation)}</td>
      <td class="num">{r.denied > 0 ? <span class="text-bad">{formatCount(r.denied)}</span> : '0'}</td>
      <td>{r.lastReportAt === undefined ? '' : r.lastReportAt === null ? 'never' : formatRelative(r.lastReportAt, props.now)}</td>
    </tr>
  );
}

function PolicyView(props: { usage: GlobalPolicyUsage; onKey: (key: string) => void }) {
  const { usage } = props;
  const regions = [...new Set(usage.keys.flatMap((k) => k.regions.map((r) => r.region)))].sort();
  return (
    <div class="card">
      <h2>Busiest keys this window</h2>
      <WindowFacts limit={usage.limit} windowSeconds={usage.windowSeconds} windowStart={usage.windowStart} epoch={usage.epoch} />
      {usage.keys.length === 0 ? (
        <Empty>No traffic in this window.</Empty>
      ) : (
        <table class="table" aria-label="Busiest keys">
          <thead>
            <tr>
              <th>Key</th>
              <th class="num">Admitted</th>
              <th class="num">Denied</th>
              {regions.map((region) => (
                <th key={region} class="wide">
                  {region}: admitted / allocation
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {usage.keys.map((k) => (
              <tr key={k.key} data-key={k.key}>
                <td>
                  <button type="button" class="button-link mono" onClick={() => props.onKey(k.key)}>
                    {k.key}
                  </button>
                </td>
                <td class="num">{formatCount(k.admitted)}</td>
                <td class="num">{k.denied > 0 ? <span class="text-bad">{formatCount(k.denied)}</span> : '0'}</td>
                {regions.map((region) => {
                  const r = k.regions.find((x) => x.region === region);
                  return (
                    <td key={region} class="wide">
                      {r === undefined ? (
                        '—'
                      ) : (
                        <div class="bar-cell">
                          <Bar value={r.admitted} max={r.allocation} tone={r.admitted >= r.allocation ? 'bad' : 'good'} />
                          <span class="muted small">
                            {formatCount(r.admitted)} / {formatCount(r.allocation)}
                          </span>
                        </div>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
