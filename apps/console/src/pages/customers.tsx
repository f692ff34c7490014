import { useMemo, useState } from 'preact/hooks';
import { Badge, Empty, ErrorBanner, Field, FormBanner, Loading, Notice, PageHeader } from '../components';
import { useApi, useSession } from '../context';
import { formErrors, NO_ERRORS, type FormErrors } from '../field-errors';
import { formatCount, formatSeconds, formatTime } from '../format';
import { useAsync } from '../hooks';
import { emptyOverrideForm } from '../override-form';
import { routeHref } from '../router';
import type { Customer, Override, Tier } from '../types';
import { OverrideForm } from './override-form';

/** Customers with their tiers (PUT /v1/customers/{id}) and per-customer overrides (PUT /admin/limits). */
export function CustomersPage() {
  const { canEdit } = useSession();
  return (
    <section>
      <PageHeader title="Customers, tiers and overrides" subtitle="A customer's tier selects its tier policies; an override wins over every other policy.">
        {canEdit ? null : <Badge>read-only</Badge>}
      </PageHeader>
      <CustomersCard />
      <OverridesCard />
    </section>
  );
}

function CustomersCard() {
  const api = useApi();
  const { canEdit } = useSession();
  const { state, reload } = useAsync(() => api.get<{ items: Customer[] }>('/v1/customers'), []);
  const tiers = useAsync(() => api.get<{ items: Tier[] }>('/v1/tiers'), []);
  const [search, setSearch] = useState('');
  const [form, setForm] = useState({ id: '', tier: '' });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const items = state.value?.items;
  const shown = useMemo(() => {
    const term = search.trim().toLowerCase();
    const all = [...(items ?? [])].sort((a, b) => a.id.localeCompare(b.id));
    return term === '' ? all : all.filter((c) => `${c.id} ${c.tier}`.toLowerCase().includes(term));
  }, [items, search]);

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    setErrors(NO_ERRORS);
    setNotice(undefined);
    if (form.id === '') {
      setErrors({ byPath: { id: 'is required' }, general: [] });
      return;
    }
    setBusy(true);
    try {
      const saved = await api.put<Customer>(`/v1/customers/${encodeURIComponent(form.id)}`, { tier: form.tier });
      setNotice(`Customer ${saved.id} is now on tier ${saved.tier} (version ${saved.version}).`);
      setForm({ id: '', tier: '' });
      await reload();
    } catch (error) {
      setErrors(formErrors(error, ['id', 'tier']));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (id: string): Promise<void> => {
    if (!window.confirm(`Remove customer ${id}? Its requests fall back to the default tier.`)) return;
    try {
      await api.delete(`/v1/customers/${encodeURIComponent(id)}`);
      setNotice(`Customer ${id} removed.`);
      await reload();
    } catch (error) {
      setErrors(formErrors(error, []));
    }
  };

  const tierNames = (tiers.state.value?.items ?? []).map((t) => t.id);
  return (
    <div class="card">
      <h2>Customers and tiers</h2>
      {canEdit ? (
        <form class="form form-inline" onSubmit={(e) => void save(e)} aria-label="Assign tier" noValidate>
          <Field label="Customer id" path="id" errors={errors}>
            <input name="customerId" value={form.id} onInput={(e) => setForm({ ...form, id: e.currentTarget.value })} autocomplete="off" />
          </Field>
          <Field label="Tier" path="tier" errors={errors} hint="one of the tiers; type a name to see the API refuse a missing one">
            <input name="tier" list="tier-names" value={form.tier} onInput={(e) => setForm({ ...form, tier: e.currentTarget.value })} placeholder={tierNames[0] ?? 'free'} autocomplete="off" />
          </Field>
          <datalist id="tier-names">
            {tierNames.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
          <button type="submit" class="button-primary" disabled={busy}>
            Assign tier
          </button>
          <a class="button" href={routeHref({ page: 'tiers' })}>
            Manage tiers
          </a>
        </form>
      ) : null}
      <FormBanner errors={errors} />
      {notice !== undefined ? <Notice kind="success">{notice}</Notice> : null}
      <div class="toolbar">
        <input type="search" class="search" placeholder="Search customers or tiers…" aria-label="Search customers" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
      </div>
      {state.status === 'error' ? <ErrorBanner error={state.error} onRetry={() => void reload()} /> : null}
      {items === undefined ? (
        state.status === 'loading' ? <Loading what="customers" /> : null
      ) : shown.length === 0 ? (
        <Empty>{items.length === 0 ? 'No customer has a tier yet.' : 'No customer matches.'}</Empty>
      ) : (
        <table class="table" aria-label="Customers">
          <thead>
            <tr>
              <th>Customer</th>
              <th>Tier</th>
              <th class="num">Version</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <tr key={c.id} data-customer={c.id}>
                <td class="mono">{c.id}</td>
                <td>{c.tier}</td>
                <td class="num">v{c.version}</td>
                <td>{formatTime(c.updatedAt)}</td>
                <td class="actions">
                  {canEdit ? (
                    <>
                      <button type="button" class="button-small" onClick={() => setForm({ id: c.id, tier: c.tier })}>
                        Edit
                      </button>
                      <button type="button" class="button-small button-danger" onClick={() => void remove(c.id)}>
                        Remove
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function OverridesCard() {
  const api = useApi();
  const { canEdit } = useSession();
  const { state, reload } = useAsync(() => api.get<{ items: Override[] }>('/admin/limits'), []);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<unknown>(undefined);

  const remove = async (customerId: string): Promise<void> => {
    if (!window.confirm(`Remove the override of ${customerId}?`)) return;
    setActionError(undefined);
    try {
      await api.delete(`/admin/limits/${encodeURIComponent(customerId)}`);
      setNotice(`Override of ${customerId} removed.`);
      await reload();
    } catch (error) {
      setActionError(error);
    }
  };

  const items = state.value?.items;
  return (
    <div class="card">
      <h2>Overrides</h2>
      {canEdit ? (
        <>
          <p class="muted">An override is a policy of its own for one customer; each has a page with its history and rollback.</p>
          <OverrideForm
            initial={emptyOverrideForm()}
            resetTo={emptyOverrideForm()}
            submitLabel="Set override"
            submit={async (body) => {
              setNotice(undefined);
              const saved = await api.put<Override>('/admin/limits', body);
              setNotice(`Override for ${saved.customer_id}: ${formatCount(saved.limit)} per ${formatSeconds(saved.window)} (policy ${saved.policy.id}, version ${saved.policy.version}).`);
              await reload();
            }}
          />
        </>
      ) : null}
      {notice !== undefined ? <Notice kind="success">{notice}</Notice> : null}
      {actionError !== undefined ? <ErrorBanner error={actionError} /> : null}
      {state.status === 'error' ? <ErrorBanner error={state.error} onRetry={() => void reload()} /> : null}
      {items === undefined ? (
        state.status === 'loading' ? <Loading what="overrides" /> : null
      ) : items.length === 0 ? (
        <Empty>No overrides.</Empty>
      ) : (
        <table class="table" aria-label="Overrides">
          <thead>
            <tr>
              <th>Customer</th>
              <th class="num">Limit</th>
              <th>Window</th>
              <th>Algorithm</th>
              <th>Policy</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((o) => (
              <tr key={o.customer_id} data-override={o.customer_id}>
                <td class="mono">{o.customer_id}</td>
                <td class="num">{formatCount(o.limit)}</td>
                <td>{formatSeconds(o.window)}</td>
                <td>
                  {o.policy.algorithm}
                  {o.policy.scope === 'global' ? (
                    <>
                      {' '}
                      <Badge tone="info">global</Badge>
                    </>
                  ) : null}
                  {o.policy.mode === 'shadow' ? (
                    <>
                      {' '}
                      <Badge tone="warn">shadow</Badge>
                    </>
                  ) : null}
                </td>
                <td>
                  <a href={routeHref({ page: 'policy', id: o.policy.id })}>{o.policy.id}</a> <span class="muted small">v{o.policy.version}</span>
                </td>
                <td>{formatTime(o.updatedAt)}</td>
                <td class="actions">
                  <a class="button button-small" href={routeHref({ page: 'policy', id: o.policy.id })}>
                    {canEdit ? 'Edit, history' : 'History'}
                  </a>
                  {canEdit ? (
                    <button type="button" class="button-small button-danger" onClick={() => void remove(o.customer_id)}>
                      Remove
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
