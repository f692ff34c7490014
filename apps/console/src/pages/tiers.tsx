import { useMemo, useState } from 'preact/hooks';
import { Badge, Empty, ErrorBanner, Field, FormBanner, Loading, Notice, PageHeader } from '../components';
import { useApi, useSession } from '../context';
import { formErrors, NO_ERRORS, type FormErrors } from '../field-errors';
import { describeMatch, formatCount, formatSeconds, formatTime } from '../format';
import { useAsync } from '../hooks';
import { routeHref } from '../router';
import type { Customer, Tier } from '../types';

/** Customers of a tier shown inline; the rest are counted (the customers page lists them all). */
const CUSTOMERS_SHOWN = 12;

/**
 * Tiers as entities (GET/POST/PUT/DELETE /v1/tiers): each with its description, the customers on
 * it and the policies that match it. A customer can only be assigned an existing tier, and a tier
 * in use cannot be deleted (the API's 409 says by how many).
 */
export function TiersPage() {
  const api = useApi();
  const { canEdit } = useSession();
  const tiers = useAsync(() => api.get<{ items: Tier[] }>('/v1/tiers'), []);
  const customers = useAsync(() => api.get<{ items: Customer[] }>('/v1/customers'), []);
  const [form, setForm] = useState({ id: '', description: '' });
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const byTier = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const c of customers.state.value?.items ?? []) map.set(c.tier, [...(map.get(c.tier) ?? []), c.id]);
    return map;
  }, [customers.state.value]);

  const reload = async (): Promise<void> => {
    await Promise.all([tiers.reload(), customers.reload()]);
  };

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    setErrors(NO_ERRORS);
    setNotice(undefined);
    setActionError(undefined);
    setBusy(true);
    try {
      if (editing === undefined) {
        const created = await api.post<Tier>('/v1/tiers', { id: form.id === '' ? undefined : form.id, description: form.description });
        setNotice(`Tier ${created.id} created.`);
      } else {
        const saved = await api.put<Tier>(`/v1/tiers/${encodeURIComponent(editing)}`, { description: form.description });
        setNotice(`Tier ${saved.id} saved (version ${saved.version}).`);
      }
      setForm({ id: '', description: '' });
      setEditing(undefined);
      await reload();
    } catch (error) {
      setErrors(formErrors(error, ['id', 'description']));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (tier: Tier): Promise<void> => {
    if (!window.confirm(`Delete tier ${tier.id}?`)) return;
    setNotice(undefined);
    setActionError(undefined);
    try {
      await api.delete(`/v1/tiers/${encodeURIComponent(tier.id)}`);
      setNotice(`Tier ${tier.id} deleted.`);
      await reload();
    } catch (error) {
      setActionError(error);
    }
  };

  const items = tiers.state.value?.items;
  return (
    <section>
      <PageHeader title="Tiers" subtitle="What customers are assigned to and tier policies match. A tier in use cannot be deleted.">
        {canEdit ? null : <Badge>read-only</Badge>}
      </PageHeader>
      {canEdit ? (
        <div class="card">
          <h2>{editing === undefined ? 'New tier' : `Edit tier ${editing}`}</h2>
          <form class="form form-inline" onSubmit={(e) => void save(e)} aria-label={editing === undefined ? 'New tier' : 'Edit tier'} noValidate>
            {editing === undefined ? (
              <Field label="Id" path="id" errors={errors} hint="letters, digits, _ . -">
                <input name="id" value={form.id} onInput={(e) => setForm({ ...form, id: e.currentTarget.value })} placeholder="gold" autocomplete="off" />
              </Field>
            ) : null}
            <Field label="Description" path="description" errors={errors}>
              <input name="description" class="wide-input" value={form.description} onInput={(e) => setForm({ ...form, description: e.currentTarget.value })} autocomplete="off" />
            </Field>
            <button type="submit" class="button-primary" disabled={busy}>
              {editing === undefined ? 'Create tier' : 'Save tier'}
            </button>
            {editing !== undefined ? (
              <button
                type="button"
                onClick={() => {
                  setEditing(undefined);
                  setForm({ id: '', description: '' });
                  setErrors(NO_ERRORS);
                }}
              >
                Cancel
              </button>
            ) : null}
          </form>
          <FormBanner errors={errors} />
        </div>
      ) : null}
      {notice !== undefined ? <Notice kind="success">{notice}</Notice> : null}
      {actionError !== undefined ? <ErrorBanner error={actionError} /> : null}
      {tiers.state.status === 'error' ? <ErrorBanner error={tiers.state.error} onRetry={() => void reload()} /> : null}
      {items === undefined ? (
        tiers.state.status === 'loading' ? <Loading what="tiers" /> : null
      ) : items.length === 0 ? (
        <Empty>No tiers yet.{canEdit ? ' Create the first one above.' : ''}</Empty>
      ) : (
        items.map((tier) => {
          const members = byTier.get(tier.id) ?? [];
          return (
            <div class="card" key={tier.id} data-tier={tier.id} aria-label={`Tier ${tier.id}`}>
              <div class="card-header">
                <h2>
                  {tier.id} <span class="muted small">v{tier.version}</span>
                </h2>
                <div class="page-actions">
                  <Badge tone="info">
                    {formatCount(tier.customerCount)} {tier.customerCount === 1 ? 'customer' : 'customers'}
                  </Badge>
                  <Badge>
                    {formatCount(tier.policies.length)} {tier.policies.length === 1 ? 'policy' : 'policies'}
                  </Badge>
                  <a class="button button-small" href={routeHref({ page: 'audit', filters: { entity: 'tier', entityId: tier.id } })}>
                    Audit
                  </a>
                  {canEdit ? (
                    <>
                      <button
                        type="button"
                        class="button-small"
                        onClick={() => {
                          setEditing(tier.id);
                          setForm({ id: tier.id, description: tier.description });
                          setErrors(NO_ERRORS);
                        }}
                      >
                        Edit
                      </button>
                      <button type="button" class="button-small button-danger" onClick={() => void remove(tier)}>
                        Delete
                      </button>
                    </>
                  ) : null}
                </div>
              </div>
              <p class="tier-description">{tier.description === '' ? <span class="muted">No description.</span> : tier.description}</p>
              <div class="grid grid-2">
                <div>
                  <h3>Customers</h3>
                  {members.length === 0 ? (
                    <p class="muted">No customer is on this tier.</p>
                  ) : (
                    <ul class="tag-list" aria-label={`Customers of ${tier.id}`}>
                      {members.slice(0, CUSTOMERS_SHOWN).map((id) => (
                        <li key={id} class="mono">
                          {id}
                        </li>
                      ))}
                      {members.length > CUSTOMERS_SHOWN ? (
                        <li>
                          <a href={routeHref({ page: 'customers' })}>and {formatCount(members.length - CUSTOMERS_SHOWN)} more</a>
                        </li>
                      ) : null}
                    </ul>
                  )}
                </div>
                <div>
                  <h3>Policies</h3>
                  {tier.policies.length === 0 ? (
                    <p class="muted">No policy matches this tier.</p>
                  ) : (
                    <table class="table" aria-label={`Policies of ${tier.id}`}>
                      <tbody>
                        {tier.policies.map((p) => (
                          <tr key={p.id} data-policy={p.id}>
                            <td>
                              <a href={routeHref({ page: 'policy', id: p.id })}>{p.id}</a>
                            </td>
                            <td class="mono small">{describeMatch(p.match)}</td>
                            <td>
                              {formatCount(p.limit)} / {formatSeconds(p.windowSeconds)}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </div>
              </div>
              <p class="muted small">Updated {formatTime(tier.updatedAt)}</p>
            </div>
          );
        })
      )}
    </section>
  );
}
