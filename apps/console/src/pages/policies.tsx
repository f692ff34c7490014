import { useMemo, useState } from 'preact/hooks';
import { Badge, Empty, ErrorBanner, Loading, Notice, PageHeader } from '../components';
import { useApi, useSession } from '../context';
import { groupEnvoyPolicies } from '../envoy-rules';
import { describeMatch, formatCount, formatSeconds } from '../format';
import { useAsync } from '../hooks';
import { routeHref } from '../router';
import type { Policy } from '../types';

/**
 * Every policy's current version, searchable by id, match, algorithm, scope and mode; rules imported
 * from envoyproxy/ratelimit files follow, grouped by domain, in their file's order.
 */
export function PoliciesPage(props: { flash?: string }) {
  const api = useApi();
  const { canEdit } = useSession();
  const { state, reload } = useAsync(() => api.get<{ items: Policy[] }>('/v1/policies'), []);
  const [search, setSearch] = useState('');

  const items = state.value?.items;
  const { shown, domains } = useMemo(() => {
    const terms = search.toLowerCase().split(/\s+/).filter((t) => t !== '');
    const grouped = groupEnvoyPolicies(items ?? []);
    const matches = (text: string): boolean => terms.every((t) => text.toLowerCase().includes(t));
    const ordinary = grouped.ordinary
      .sort((a, b) => a.id.localeCompare(b.id))
      .filter((p) => matches(`${p.id} ${describeMatch(p.match)} ${p.algorithm} ${p.scope ?? 'regional'} ${p.mode ?? 'enforce'} ${isOverride(p) ? 'override' : ''}`));
    const imported = grouped.domains
      .map((group) => ({ ...group, rules: group.rules.filter((r) => matches(`${group.domain} ${r.policy.id} ${r.path} ${r.rate} ${r.flags.join(' ')}`)) }))
      .filter((group) => group.rules.length > 0);
    return { shown: ordinary, domains: imported };
  }, [items, search]);
  const shownCount = shown.length + domains.reduce((n, d) => n + d.rules.length, 0);

  return (
    <section>
      <PageHeader title="Policies" subtitle="Versioned rate-limit policies and customer overrides; every change reaches every region within a second.">
        {canEdit ? (
          <a class="button button-primary" href={routeHref({ page: 'policy-new' })}>
            New policy
          </a>
        ) : (
          <Badge>read-only</Badge>
        )}
      </PageHeader>
      {props.flash !== undefined ? <Notice kind="success">{props.flash}</Notice> : null}
      <div class="toolbar">
        <input
          type="search"
          class="search"
          placeholder="Search id, match, algorithm, scope, mode, override…"
          aria-label="Search policies"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
        <span class="muted">{items === undefined ? '' : `${shownCount} of ${items.length}`}</span>
      </div>
      {state.status === 'error' ? <ErrorBanner error={state.error} onRetry={() => void reload()} /> : null}
      {items === undefined ? (
        state.status === 'loading' ? <Loading what="policies" /> : null
      ) : shownCount === 0 ? (
        <Empty>{items.length === 0 ? 'No policies yet. Create the first one.' : 'No policy matches the search.'}</Empty>
      ) : shown.length === 0 ? null : (
        <table class="table" aria-label="Policies">
          <thead>
            <tr>
              <th>Id</th>
              <th>Match</th>
              <th>Algorithm</th>
              <th class="num">Limit</th>
              <th>Window</th>
              <th>Scope</th>
              <th>Mode</th>
              <th class="num">Version</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.id} data-policy={p.id}>
                <td>
                  <a href={routeHref({ page: 'policy', id: p.id })} class="strong">
                    {p.id}
                  </a>
                  {isOverride(p) ? (
                    <>
                      {' '}
                      <Badge tone="warn">override</Badge>
                    </>
                  ) : null}
                </td>
                <td class="mono">{describeMatch(p.match)}</td>
                <td>{p.algorithm}</td>
                <td class="num">{formatCount(p.limit)}</td>
                <td>{formatSeconds(p.windowSeconds)}</td>
                <td>{p.scope === 'global' ? <Badge tone="info">global</Badge> : <Badge>regional</Badge>}</td>
                <td>{p.mode === 'shadow' ? <Badge tone="warn">shadow</Badge> : <Badge tone="good">enforce</Badge>}</td>
                <td class="num">v{p.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {domains.map((group) => (
        <div class="card" key={group.domain} data-envoy-domain={group.domain}>
          <h2>
            Envoy domain <span class="mono">{group.domain}</span> <Badge tone="info">{group.rules.length} descriptors</Badge>
          </h2>
          <p class="muted">Imported from an envoyproxy/ratelimit file (POST /v1/imports/envoy-ratelimit); import the domain again to change it.</p>
          <table class="table" aria-label={`Envoy domain ${group.domain}`}>
            <thead>
              <tr>
                <th>Descriptor</th>
                <th>Rate limit</th>
                <th>Settings</th>
                <th>Id</th>
                <th class="num">Version</th>
              </tr>
            </thead>
            <tbody>
              {group.rules.map((r) => (
                <tr key={r.policy.id} data-policy={r.policy.id} title={r.path}>
                  <td class={`mono envoy-depth-${Math.min(r.depth, 5)}`}>
                    {r.entry}
                  </td>
                  <td>{r.rate}</td>
                  <td>
                    {r.flags.map((flag) => (
                      <Badge key={flag} tone={flag === 'shadow' ? 'warn' : undefined}>
                        {flag}
                      </Badge>
                    ))}
                  </td>
                  <td>
                    <a href={routeHref({ page: 'policy', id: r.policy.id })} class="mono">
                      {r.policy.id}
                    </a>
                  </td>
                  <td class="num">v{r.policy.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}

/** Customer overrides are listed with the policies: `override-…` ids, matching exactly one customer. */
export function isOverride(policy: Policy): boolean {
  return policy.id.startsWith('override-') && policy.match.customerId !== undefined;
}
