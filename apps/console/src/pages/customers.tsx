import { useMemo, useState } from 'preact/hooks';
import { Empty, ErrorBanner, Field, FormBanner, Loading, Notice, PageHeader } from '../components';
import { useApi } from '../context';
import { formErrors, NO_ERRORS, type FormErrors } from '../field-errors';
import { formatCount, formatSeconds, formatTime } from '../format';
import { useAsync } from '../hooks';
import { numberOrText } from '../policy-form';
import { routeHref } from '../router';
import type { Customer, Override } from '../types';

/** Customers with their tiers (PUT /v1/customers/{id}) and per-customer overrides (PUT /admin/limits). */
export function CustomersPage() {
  return (
    <section>
      <PageHeader title="Customers, tiers and overrides" subtitle="A customer's tier selects its tier policies; an override wins over every other policy." />
      <CustomersCard />
      <OverridesCard />
    </section>
  );
}

function CustomersCard() {
  const api = useApi();
  const { state, reload } = useAsync(() => api.get<{ items: Customer[] }>('/v1/customers'), []);
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

  return (
    <div class="card">
      <h2>Customers and tiers</h2>
      <form class="form form-inline" onSubmit={(e) => void save(e)} aria-label="Assign tier" noValidate>
        <Field label="Customer id" path="id" errors={errors}>
          <input name="customerId" value={form.id} onInput={(e) => setForm({ ...form, id: e.currentTarget.value })} autocomplete="off" />
        </Field>
        <Field label="Tier" path="tier" errors={errors}>
          <input name="tier" value={form.tier} onInput={(e) => setForm({ ...form, tier: e.currentTarget.value })} placeholder="free" autocomplete="off" />
        </Field>
        <button type="submit" class="button-primary" disabled={busy}>
          Assign tier
        </button>
      </form>
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
                  <button type="button" class="button-small" onClick={() => setForm({ id: c.id, tier: c.tier })}>
                    Edit
                  </button>
                  <button type="button" class="button-small button-danger" onClick={() => void remove(c.id)}>
                    Remove
                  </button>
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
  const { state, reload } = useAsync(() => api.get<{ items: Override[] }>('/admin/limits'), []);
  const [form, setForm] = useState({ customer_id: '', limit: '', window: '1m' });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    setErrors(NO_ERRORS);
    setNotice(undefined);
    setBusy(true);
    try {
      const saved = await api.put<Override>('/admin/limits', {
        customer_id: form.customer_id === '' ? undefined : form.customer_id,
        limit: numberOrText(form.limit),
        window: numberOrText(form.window),
      });
      setNotice(`Override for ${saved.customer_id}: ${formatCount(saved.limit)} per ${formatSeconds(saved.window)} (policy ${saved.policy.id}).`);
      setForm({ customer_id: '', limit: '', window: '1m' });
      await reload();
    } catch (error) {
      setErrors(formErrors(error, ['customer_id', 'limit', 'window']));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (customerId: string): Promise<void> => {
    if (!window.confirm(`Remove the override of ${customerId}?`)) return;
    try {
      await api.delete(`/admin/limits/${encodeURIComponent(customerId)}`);
      setNotice(`Override of ${customerId} removed.`);
      await reload();
    } catch (error) {
      setErrors(formErrors(error, []));
    }
  };

  const items = state.value?.items;
  return (
    <div class="card">
      <h2>Overrides</h2>
      <form class="form form-inline" onSubmit={(e) => void save(e)} aria-label="Set override" noValidate>
        <Field label="Customer id" path="customer_id" errors={errors}>
          <input name="customer_id" value={form.customer_id} onInput={(e) => setForm({ ...form, customer_id: e.currentTarget.value })} autocomplete="off" />
        </Field>
        <Field label="Limit" path="limit" errors={errors}>
          <input name="limit" inputMode="numeric" value={form.limit} onInput={(e) => setForm({ ...form, limit: e.currentTarget.value })} autocomplete="off" />
        </Field>
        <Field label="Window" path="window" errors={errors} hint='seconds, or "30s", "1m", "1h", "1d"'>
          <input name="window" value={form.window} onInput={(e) => setForm({ ...form, window: e.currentTarget.value })} autocomplete="off" />
        </Field>
        <button type="submit" class="button-primary" disabled={busy}>
          Set override
        </button>
      </form>
      <FormBanner errors={errors} />
      {notice !== undefined ? <Notice kind="success">{notice}</Notice> : null}
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
                  <a href={routeHref({ page: 'policy', id: o.policy.id })}>{o.policy.id}</a>
                </td>
                <td>{formatTime(o.updatedAt)}</td>
                <td class="actions">
                  <button type="button" class="button-small" onClick={() => setForm({ customer_id: o.customer_id, limit: String(o.limit), window: String(o.window) })}>
                    Edit
                  </button>
                  <button type="button" class="button-small button-danger" onClick={() => void remove(o.customer_id)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
