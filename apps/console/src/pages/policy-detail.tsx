import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorText } from '../api';
import { Badge, Empty, ErrorBanner, Loading, Notice, PageHeader } from '../components';
import { useApi, useSession } from '../context';
import { diffObjects } from '../diff';
import { describeMatch, formatSeconds, formatTime } from '../format';
import { useAsync } from '../hooks';
import { overrideToForm } from '../override-form';
import { policyToForm } from '../policy-form';
import { routeHref } from '../router';
import type { Override, Policy, PolicyVersion } from '../types';
import { describeEscalation } from './escalation-fields';
import { OverrideForm } from './override-form';
import { PolicyForm } from './policy-form';

interface Loaded {
  readonly policy: Policy | undefined;
  readonly versions: PolicyVersion[];
}

/** The customer a customer override (`override-…`) is for, from its current policy or its history. */
function overrideCustomer(id: string, policy: Policy | undefined, versions: readonly PolicyVersion[]): string | undefined {
  if (!id.startsWith('override-')) return undefined;
  return policy?.match.customerId ?? versions[versions.length - 1]?.policy.match.customerId;
}

/**
 * One policy: edit it (PUT with If-Match: the version shown, so a concurrent change is refused
 * rather than overwritten), its version history, a field diff between any two versions, and
 * rollback to an earlier version. A deleted policy's history stays readable. A customer override
 * is a policy too: its page edits it with every field PUT /admin/limits accepts, and rolls back
 * like any policy. A viewer sees the history and no edit controls.
 */
export function PolicyDetailPage(props: { id: string; navigate: (href: string, flash?: string) => void; flash?: string }) {
  const api = useApi();
  const { canEdit } = useSession();
  const path = `/v1/policies/${encodeURIComponent(props.id)}`;
  const { state, reload } = useAsync<Loaded>(async () => {
    const [policy, versions] = await Promise.all([
      api.get<Policy>(path).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return undefined;
        throw error;
      }),
      api.get<{ items: PolicyVersion[] }>(`${path}/versions`),
    ]);
    return { policy, versions: versions.items };
  }, [props.id]);
  const [notice, setNotice] = useState<string | undefined>(props.flash);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [from, setFrom] = useState<number | undefined>(undefined);
  const [to, setTo] = useState<number | undefined>(undefined);

  const loaded = state.value;
  const versions = loaded?.versions ?? [];
  const latest = versions.length === 0 ? undefined : versions[versions.length - 1].version;

  // Compare the newest version with the one before it until the operator picks others.
  useEffect(() => {
    if (latest === undefined) return;
    setTo(latest);
    setFrom(latest > 1 ? latest - 1 : latest);
  }, [latest]);

  if (loaded === undefined) {
    return state.status === 'error' ? <ErrorBanner error={state.error} onRetry={() => void reload()} /> : <Loading what={`policy ${props.id}`} />;
  }
  const { policy } = loaded;
  const customer = overrideCustomer(props.id, policy, versions);

  const rollback = async (version: number): Promise<void> => {
    if (!window.confirm(`Roll ${props.id} back to the content of version ${version}? This creates a new version.`)) return;
    setActionError(undefined);
    try {
      const result = await api.post<Policy>(`${path}/rollback`, { version }, { ifMatch: policy?.version });
      setNotice(`Rolled back: version ${result.version} has the content of version ${version}.`);
      await reload();
    } catch (error) {
      setActionError(error);
    }
  };

  const remove = async (): Promise<void> => {
    const what = customer === undefined ? `policy ${props.id}` : `the override of customer ${customer}`;
    if (policy === undefined || !window.confirm(`Delete ${what}? Its history stays readable.`)) return;
    setActionError(undefined);
    try {
      if (customer === undefined) await api.delete(path, { ifMatch: policy.version });
      else await api.delete(`/admin/limits/${encodeURIComponent(customer)}`);
      props.navigate(routeHref({ page: 'policies' }), customer === undefined ? `Policy ${props.id} deleted.` : `Override of ${customer} removed.`);
    } catch (error) {
      setActionError(error);
    }
  };
  const auditHref = routeHref({ page: 'audit', filters: customer === undefined ? { entity: 'policy', entityId: props.id } : { entity: 'override', entityId: customer } });

  const byVersion = new Map(versions.map((v) => [v.version, v]));
  const diff = from !== undefined && to !== undefined ? diffObjects(byVersion.get(from)?.policy, byVersion.get(to)?.policy) : [];
  const changed = diff.filter((d) => d.change !== 'same');

  return (
    <section>
      <PageHeader
        title={props.id}
        subtitle={
          policy === undefined
            ? 'Deleted: only its history remains.'
            : policy.match.envoy !== undefined
              ? `envoy domain ${policy.match.envoy.domain} · ${policy.match.envoy.descriptors.map((e) => (e.value === undefined ? e.key : `${e.key}=${e.value}`)).join(' › ')}`
              : `${customer === undefined ? '' : 'Override · '}${describeMatch(policy.match)} · ${policy.algorithm} · ${policy.limit} per ${formatSeconds(policy.windowSeconds)} · automatic blocks: ${describeEscalation(policy.escalation)}`
        }
      >
        {customer !== undefined ? <Badge tone="warn">override</Badge> : null}
        {policy !== undefined ? <Badge tone="info">version {policy.version}</Badge> : <Badge tone="bad">deleted</Badge>}
        <a class="button" href={auditHref}>
          Audit
        </a>
        {policy?.scope === 'global' ? (
          <a class="button" href={routeHref({ page: 'global', policyId: props.id })}>
            Per-region usage
          </a>
        ) : null}
        {policy !== undefined && policy.match.envoy === undefined && canEdit ? (
          <button type="button" class="button-danger" onClick={() => void remove()}>
            {customer === undefined ? 'Delete' : 'Remove override'}
          </button>
        ) : null}
      </PageHeader>
      <p class="breadcrumb">
        <a href={routeHref({ page: 'policies' })}>← All policies</a>
        {customer !== undefined ? (
          <>
            {' · '}
            <a href={routeHref({ page: 'customers' })}>Customers & overrides</a>
          </>
        ) : null}
      </p>
      {notice !== undefined ? <Notice kind="success">{notice}</Notice> : null}
      {actionError !== undefined ? (
        <ErrorBanner
          error={
            actionError instanceof ApiError && actionError.status === 412
              ? new Error(`${errorText(actionError)}: someone changed this policy since it was loaded. Reload to see the current version.`)
              : actionError
          }
          onRetry={() => {
            setActionError(undefined);
            void reload();
          }}
        />
      ) : null}
      {state.status === 'error' ? <ErrorBanner error={state.error} onRetry={() => void reload()} /> : null}

      {policy?.match.envoy !== undefined ? (
        <Notice kind="info">
          Imported with the envoyproxy/ratelimit file of domain {policy.match.envoy.domain}: change it by importing that file again (POST /v1/imports/envoy-ratelimit).
        </Notice>
      ) : null}
      {policy !== undefined && policy.match.envoy === undefined && canEdit && customer !== undefined ? (
        <div class="card">
          <h2>Edit override</h2>
          <p class="muted">Saving sets the override of {customer} (PUT /admin/limits) as version {policy.version + 1}.</p>
          <OverrideForm
            key={`${policy.id}@${policy.version}`}
            initial={overrideToForm(asOverride(customer, policy))}
            fixedCustomer
            submitLabel={`Save as version ${policy.version + 1}`}
            submit={async (body) => {
              const saved = await api.put<Override>('/admin/limits', { ...body, customer_id: customer });
              setNotice(`Saved version ${saved.policy.version}.`);
              setActionError(undefined);
              await reload();
            }}
          />
        </div>
      ) : null}

      {policy !== undefined && policy.match.envoy === undefined && canEdit && customer === undefined ? (
        <div class="card">
          <h2>Edit</h2>
          <p class="muted">Saving creates version {policy.version + 1}; it is refused if someone saved another version first.</p>
          <PolicyForm
            key={`${policy.id}@${policy.version}`}
            initial={policyToForm(policy)}
            mode="edit"
            submitLabel={`Save as version ${policy.version + 1}`}
            submit={async (body) => {
              const saved = await api.put<Policy>(path, body, { ifMatch: policy.version });
              setNotice(`Saved version ${saved.version}.`);
              setActionError(undefined);
              await reload();
            }}
          />
        </div>
      ) : null}

      <div class="card">
        <h2>Version history</h2>
        {versions.length === 0 ? (
          <Empty>No versions.</Empty>
        ) : (
          <table class="table" aria-label="Version history">
            <thead>
              <tr>
                <th class="num">Version</th>
                <th>Change</th>
                <th>By</th>
                <th>At</th>
                <th>Limit / window</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {[...versions].reverse().map((v) => (
                <tr key={v.version} data-version={v.version} class={v.version === from || v.version === to ? 'row-selected' : ''}>
                  <td class="num">v{v.version}</td>
                  <td>
                    {v.change === 'rolled_back' ? `rolled back to v${v.rolledBackFrom ?? '?'}` : v.change}
                    {v.version === policy?.version ? (
                      <>
                        {' '}
                        <Badge tone="good">current</Badge>
                      </>
                    ) : null}
                  </td>
                  <td>{v.actorName}</td>
                  <td>{formatTime(v.createdAt)}</td>
                  <td>
                    {v.policy.limit} / {formatSeconds(v.policy.windowSeconds)}
                  </td>
                  <td class="actions">
                    <button type="button" class="button-small" onClick={() => setFrom(v.version)} disabled={v.version === from}>
                      Diff from
                    </button>
                    <button type="button" class="button-small" onClick={() => setTo(v.version)} disabled={v.version === to}>
                      Diff to
                    </button>
                    {policy !== undefined && policy.match.envoy === undefined && canEdit && v.version !== policy.version ? (
                      <button type="button" class="button-small" onClick={() => void rollback(v.version)}>
                        Roll back to v{v.version}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      {versions.length < 2 ? (
        <div class="card">
          <h2>Diff</h2>
          <Empty>Only one version so far: save a change to compare versions.</Empty>
        </div>
      ) : from !== undefined && to !== undefined ? (
        <div class="card" aria-label="Diff">
          <h2>
            Diff v{from} → v{to}
          </h2>
          <p class="muted">{from === to ? 'The same version on both sides.' : changed.length === 0 ? 'No field differs.' : `${changed.length} field(s) differ.`}</p>
          <table class="table diff" aria-label={`Diff v${from} to v${to}`}>
            <thead>
              <tr>
                <th>Field</th>
                <th>v{from}</th>
                <th>v{to}</th>
              </tr>
            </thead>
            <tbody>
              {diff.map((d) => (
                <tr key={d.path} class={`diff-${d.change}`} data-field={d.path} data-change={d.change}>
                  <td class="mono">{d.path}</td>
                  <td class="mono diff-before">{d.before ?? '—'}</td>
                  <td class="mono diff-after">{d.after ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** An override's current policy as the override form reads it. */
function asOverride(customerId: string, policy: Policy): Override {
  return { customer_id: customerId, limit: policy.limit, window: policy.windowSeconds, policy, updatedAt: '' };
}
