import { useEffect, useState } from 'preact/hooks';
import { filtersToForm, formToFilters, type AuditFilterForm } from '../audit-filters';
import { Badge, Empty, ErrorBanner, Field, FormBanner, Loading, PageHeader } from '../components';
import { useApi } from '../context';
import { diffObjects } from '../diff';
import { formErrors, NO_ERRORS, type FormErrors } from '../field-errors';
import { formatTime } from '../format';
import { routeHref, type AuditFilters } from '../router';
import { AUDIT_ENTITIES, type AuditEntry, type AuditPage as AuditPageBody } from '../types';

const PAGE_SIZE = 50;

/** Where an audit entry's entity lives in the console, when it has a page. */
function entityHref(entry: AuditEntry): string | undefined {
  switch (entry.entityType) {
    case 'policy':
      return routeHref({ page: 'policy', id: entry.entityId });
    case 'override': {
      const policyId = (entry.after ?? entry.before)?.policy as { id?: unknown } | undefined;
      return typeof policyId?.id === 'string' ? routeHref({ page: 'policy', id: policyId.id }) : undefined;
    }
    case 'tier':
      return routeHref({ page: 'tiers' });
    case 'customer':
      return routeHref({ page: 'customers' });
    case 'block':
      return routeHref({ page: 'blocks' });
    default:
      return undefined;
  }
}

/**
 * The audit log (GET /v1/audit): who changed what, when, with the state before and after.
 * Filters by entity, entity id, actor and time range live in the URL, so a filtered view can be
 * linked to; older entries load page by page with the same filters.
 */
export function AuditPage(props: { filters: AuditFilters; navigate: (href: string) => void }) {
  const api = useApi();
  const [form, setForm] = useState<AuditFilterForm>(() => filtersToForm(props.filters));
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | null | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(undefined);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [open, setOpen] = useState<number | undefined>(undefined);

  const load = async (before: number | undefined): Promise<void> => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await api.get<AuditPageBody>('/v1/audit', { ...props.filters, limit: PAGE_SIZE, before });
      setEntries((shown) => (before === undefined ? page.items : [...shown, ...page.items]));
      setNext(page.nextBefore);
    } catch (caught) {
      setError(caught);
      setErrors(formErrors(caught, ['entity', 'entityId', 'actor', 'since', 'until']));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(undefined);
  }, []);

  const apply = (event: Event): void => {
    event.preventDefault();
    setErrors(NO_ERRORS);
    props.navigate(routeHref({ page: 'audit', filters: formToFilters(form) }));
  };

  const filtered = Object.keys(props.filters).length > 0;
  return (
    <section>
      <PageHeader title="Audit log" subtitle="Every change to policies, overrides, customers, tiers, blocks and API keys: who, when, before and after." />
      <div class="card">
        <form class="form form-inline" onSubmit={apply} aria-label="Audit filters" noValidate>
          <Field label="Entity" path="entity" errors={errors}>
            <select name="entity" value={form.entity} onChange={(e) => setForm({ ...form, entity: e.currentTarget.value as AuditFilterForm['entity'] })}>
              <option value="">any</option>
              {AUDIT_ENTITIES.map((entity) => (
                <option key={entity} value={entity}>
                  {entity}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Entity id" path="entityId" errors={errors}>
            <input name="entityId" value={form.entityId} onInput={(e) => setForm({ ...form, entityId: e.currentTarget.value })} autocomplete="off" />
          </Field>
          <Field label="Actor" path="actor" errors={errors} hint="key name or key id">
            <input name="actor" value={form.actor} onInput={(e) => setForm({ ...form, actor: e.currentTarget.value })} autocomplete="off" />
          </Field>
          <Field label="Since" path="since" errors={errors}>
            <input name="since" type="datetime-local" value={form.since} onInput={(e) => setForm({ ...form, since: e.currentTarget.value })} />
          </Field>
          <Field label="Until" path="until" errors={errors}>
            <input name="until" type="datetime-local" value={form.until} onInput={(e) => setForm({ ...form, until: e.currentTarget.value })} />
          </Field>
          <button type="submit" class="button-primary">
            Filter
          </button>
          {filtered ? (
            <a class="button" href={routeHref({ page: 'audit', filters: {} })}>
              Clear
            </a>
          ) : null}
        </form>
        <FormBanner errors={errors} />
      </div>
      {error !== undefined && errors.general.length === 0 && Object.keys(errors.byPath).length === 0 ? <ErrorBanner error={error} onRetry={() => void load(undefined)} /> : null}
      <div class="card">
        {entries.length === 0 ? (
          loading ? (
            <Loading what="the audit log" />
          ) : (
            <Empty>{filtered ? 'No entry matches these filters.' : 'The audit log is empty.'}</Empty>
          )
        ) : (
          <table class="table" aria-label="Audit entries">
            <thead>
              <tr>
                <th>At</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Entity</th>
                <th class="num">Revision</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => {
                const href = entityHref(entry);
                const diff = open === entry.id ? diffObjects(entry.before ?? undefined, entry.after ?? undefined).filter((d) => d.change !== 'same') : [];
                return [
                  <tr key={entry.id} data-audit={entry.id} data-action={entry.action}>
                    <td>{formatTime(entry.at)}</td>
                    <td>
                      <a href={routeHref({ page: 'audit', filters: { actor: entry.actorName } })}>{entry.actorName}</a>
                    </td>
                    <td>
                      <Badge tone={entry.action.endsWith('deleted') || entry.action.endsWith('revoked') || entry.action.endsWith('removed') ? 'bad' : 'neutral'}>{entry.action}</Badge>
                    </td>
                    <td class="mono">
                      {entry.entityType}{' '}
                      {href === undefined ? entry.entityId : <a href={href}>{entry.entityId}</a>}{' '}
                      <a class="small" href={routeHref({ page: 'audit', filters: { entity: asEntity(entry.entityType), entityId: entry.entityId } })} title="Only this entity">
                        ⌕
                      </a>
                    </td>
                    <td class="num">{entry.revision ?? '—'}</td>
                    <td class="actions">
                      <button type="button" class="button-small" onClick={() => setOpen(open === entry.id ? undefined : entry.id)}>
                        {open === entry.id ? 'Hide' : 'Changes'}
                      </button>
                    </td>
                  </tr>,
                  open === entry.id ? (
                    <tr key={`${entry.id}-diff`} class="row-detail">
                      <td colSpan={6}>
                        {diff.length === 0 ? (
                          <span class="muted">No field changed.</span>
                        ) : (
                          <table class="table diff" aria-label={`Changes of entry ${entry.id}`}>
                            <thead>
                              <tr>
                                <th>Field</th>
                                <th>Before</th>
                                <th>After</th>
                              </tr>
                            </thead>
                            <tbody>
                              {diff.map((d) => (
                                <tr key={d.path} class={`diff-${d.change}`} data-field={d.path}>
                                  <td class="mono">{d.path}</td>
                                  <td class="mono diff-before">{d.before ?? '—'}</td>
                                  <td class="mono diff-after">{d.after ?? '—'}</td>
                                </tr>
                              ))}
                            </tbody>
                          </table>
                        )}
                      </td>
                    </tr>
                  ) : null,
                ];
              })}
            </tbody>
          </table>
        )}
        {next !== null && next !== undefined ? (
          <div class="form-actions">
            <button type="button" onClick={() => void load(next)} disabled={loading}>
              {loading ? 'Loading…' : 'Older entries'}
            </button>
          </div>
        ) : null}
      </div>
    </section>
  );
}

function asEntity(type: string): AuditFilters['entity'] {
  return AUDIT_ENTITIES.find((e) => e === type);
}
