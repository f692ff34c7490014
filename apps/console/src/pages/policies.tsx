import { useMemo, useState } from 'preact/hooks';
import { Badge, Empty, ErrorBanner, Loading, Notice, PageHeader } from '../components';
import { useApi, useSession } from '../context';
import { describeMatch, formatCount, formatSeconds } from '../format';
import { useAsync } from '../hooks';
import { routeHref } from '../router';
import type { Policy } from '../types';

/** Every policy's current version, searchable by id, match, algorithm, scope and mode. */
export function PoliciesPage(props: { flash?: string }) {
  const api = useApi();
  const { canEdit } = useSession();
  const { state, reload } = useAsync(() => api.get<{ items: Policy[] }>('/v1/policies'), []);
  const [search, setSearch] = useState('');

  const items = state.value?.items;
  const shown = useMemo(() => {
    const terms = search.toLowerCase().split(/\s+/).filter((t) => t !== '');
    const all = [...(items ?? [])].sort((a, b) => a.id.localeCompare(b.id));
    if (terms.length === 0) return all;
    return all.filter((p) => {
      const text = `${p.id} ${describeMatch(p.match)} ${p.algorithm} ${p.scope ?? 'regional'} ${p.mode ?? 'enforce'} ${isOverride(p) ? 'override' : ''}`.toLowerCase();
      return terms.every((t) => text.includes(t));
    });
  }, [items, search]);

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
        <span class="muted">{items === undefined ? '' : `${shown.length} of ${items.length}`}</span>
      </div>
      {state.status === 'error' ? <ErrorBanner error={state.error} onRetry={() => void reload()} /> : null}
      {items === undefined ? (
        state.status === 'loading' ? <Loading what="policies" /> : null
      ) : shown.length === 0 ? (
        <Empty>{items.length === 0 ? 'No policies yet. Create the first one.' : 'No policy matches the search.'}</Empty>
      ) : (
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
    </section>
  );
}

/** Customer overrides are listed with the policies: `override-…` ids, matching exactly one customer. */
export function isOverride(policy: Policy): boolean {
  return policy.id.startsWith('override-') && policy.match.customerId !== undefined;
}
