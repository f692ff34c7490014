import { useState } from 'preact/hooks';
import { Badge, Empty, ErrorBanner, Field, FormBanner, Loading, Notice, PageHeader } from '../components';
import { useApi, useSession } from '../context';
import { formErrors, NO_ERRORS, type FormErrors } from '../field-errors';
import { formatRelative, formatTime } from '../format';
import { useAsync, useNow } from '../hooks';
import { numberOrText } from '../policy-form';
import { routeHref } from '../router';
import { BLOCK_TYPES, type Block, type BlockDenial, type BlockType } from '../types';

const VALUE_HINTS: Readonly<Record<BlockType, string>> = {
  key: "the check's exact key, e.g. user:42",
  customer: 'a customer id',
  ip: 'an IPv4 or IPv6 address',
  cidr: 'an IPv4 or IPv6 range, e.g. 203.0.113.0/24',
};

/** The block list: active blocks (operator and automatic), add one for a while, remove one. */
export function BlocksPage() {
  const api = useApi();
  const { canEdit } = useSession();
  const now = useNow();
  const [open, setOpen] = useState<string | undefined>(undefined);
  const { state, reload } = useAsync(() => api.get<{ items: Block[] }>('/v1/blocks'), []);
  const [form, setForm] = useState<{ type: BlockType; value: string; ttlSeconds: string; reason: string }>({ type: 'key', value: '', ttlSeconds: '3600', reason: '' });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const add = async (event: Event): Promise<void> => {
    event.preventDefault();
    setErrors(NO_ERRORS);
    setNotice(undefined);
    setBusy(true);
    try {
      const block = await api.post<Block>('/v1/blocks', {
        type: form.type,
        value: form.value === '' ? undefined : form.value,
        ttlSeconds: numberOrText(form.ttlSeconds),
        reason: form.reason === '' ? undefined : form.reason,
      });
      setNotice(`Blocked ${block.type} ${block.value} until ${formatTime(block.expiresAt)}.`);
      setForm({ ...form, value: '', reason: '' });
      await reload();
    } catch (error) {
      setErrors(formErrors(error, ['type', 'value', 'ttlSeconds', 'reason']));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (block: Block): Promise<void> => {
    if (!window.confirm(`Remove the block of ${block.type} ${block.value}?`)) return;
    try {
      await api.delete(`/v1/blocks/${encodeURIComponent(block.id)}`);
      setNotice(`Block of ${block.type} ${block.value} removed.`);
      await reload();
    } catch (error) {
      setErrors(formErrors(error, []));
    }
  };

  const items = state.value?.items.filter((b) => Date.parse(b.expiresAt) > now);
  return (
    <section>
      <PageHeader title="Block list" subtitle="Blocked callers get 429 in every region before any limiter work, until the block expires or is removed.">
        {canEdit ? null : <Badge>read-only</Badge>}
      </PageHeader>
      {canEdit ? (
        <div class="card">
          <h2>Add a block</h2>
          <form class="form form-inline" onSubmit={(e) => void add(e)} aria-label="Add block" noValidate>
            <Field label="Type" path="type" errors={errors}>
              <select name="type" value={form.type} onChange={(e) => setForm({ ...form, type: e.currentTarget.value as BlockType })}>
                {BLOCK_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Value" path="value" errors={errors} hint={VALUE_HINTS[form.type]}>
              <input name="value" value={form.value} onInput={(e) => setForm({ ...form, value: e.currentTarget.value })} autocomplete="off" spellcheck={false} />
            </Field>
            <Field label="For (seconds)" path="ttlSeconds" errors={errors} hint="1 s to 30 days">
              <input name="ttlSeconds" inputMode="numeric" value={form.ttlSeconds} onInput={(e) => setForm({ ...form, ttlSeconds: e.currentTarget.value })} />
            </Field>
            <Field label="Reason" path="reason" errors={errors}>
              <input name="reason" value={form.reason} onInput={(e) => setForm({ ...form, reason: e.currentTarget.value })} placeholder="credential stuffing" />
            </Field>
            <button type="submit" class="button-primary" disabled={busy}>
              Block
            </button>
          </form>
        </div>
      ) : null}
      <FormBanner errors={errors} />
      {notice !== undefined ? <Notice kind="success">{notice}</Notice> : null}
      <div class="card">
        <h2>Active blocks</h2>
        {state.status === 'error' ? <ErrorBanner error={state.error} onRetry={() => void reload()} /> : null}
        {items === undefined ? (
          state.status === 'loading' ? <Loading what="blocks" /> : null
        ) : items.length === 0 ? (
          <Empty>Nothing is blocked.</Empty>
        ) : (
          <table class="table" aria-label="Blocks">
            <thead>
              <tr>
                <th>Type</th>
                <th>Value</th>
                <th>Reason</th>
                <th>Source</th>
                <th>By</th>
                <th>Expires</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((b) => [
                <tr key={b.id} data-block={b.value}>
                  <td>
                    <Badge>{b.type}</Badge>
                  </td>
                  <td class="mono">{b.value}</td>
                  <td>{b.reason}</td>
                  <td>{b.source === 'automatic' ? <Badge tone="warn">automatic</Badge> : <Badge tone="info">operator</Badge>}</td>
                  <td>{b.createdBy}</td>
                  <td title={formatTime(b.expiresAt)}>{formatRelative(b.expiresAt, now)}</td>
                  <td class="actions">
                    {b.denials !== undefined && b.denials.length > 0 ? (
                      <button type="button" class="button-small" onClick={() => setOpen(open === b.id ? undefined : b.id)} aria-expanded={open === b.id}>
                        {open === b.id ? 'Hide denials' : `Denials (${b.denials.length})`}
                      </button>
                    ) : null}
                    {canEdit ? (
                      <button type="button" class="button-small button-danger" onClick={() => void remove(b)}>
                        Remove
                      </button>
                    ) : null}
                  </td>
                </tr>,
                open === b.id && b.denials !== undefined ? (
                  <tr key={`${b.id}-denials`} class="row-detail">
                    <td colSpan={7}>
                      <Denials denials={b.denials} value={b.value} />
                    </td>
                  </tr>
                ) : null,
              ])}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}

/** The denials that made an enforcer block a key: which policy (or inline limit), when, where, on which route. */
function Denials(props: { denials: readonly BlockDenial[]; value: string }) {
  return (
    <table class="table" aria-label={`Denials that blocked ${props.value}`}>
      <thead>
        <tr>
          <th>At</th>
          <th>Policy</th>
          <th>Region</th>
          <th>Route</th>
          <th>Customer</th>
        </tr>
      </thead>
      <tbody>
        {props.denials.map((d, i) => (
          <tr key={i} data-denial={d.policyId}>
            <td>{formatTime(d.at)}</td>
            <td>
              {d.policyId === 'inline' ? (
                <span>
                  inline limit {d.limit ?? '?'} per {d.windowSeconds ?? '?'}s
                </span>
              ) : d.policyId === 'default' ? (
                'default policy'
              ) : (
                <a href={routeHref({ page: 'policy', id: d.policyId })}>{d.policyId}</a>
              )}
            </td>
            <td>{d.region}</td>
            <td class="mono">{d.route === undefined ? '—' : `${d.method ?? ''} ${d.route}`.trim()}</td>
            <td class="mono">{d.customerId ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
