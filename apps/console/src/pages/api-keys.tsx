import { useState } from 'preact/hooks';
import { Badge, Empty, ErrorBanner, Field, FormBanner, Loading, Notice, PageHeader } from '../components';
import { useApi, useSession } from '../context';
import { formErrors, NO_ERRORS, type FormErrors } from '../field-errors';
import { formatTime } from '../format';
import { useAsync } from '../hooks';
import { routeHref } from '../router';
import { ROLES, type ApiKey, type CreatedApiKey, type Role } from '../types';

/**
 * API keys, for admins (GET/POST/DELETE /v1/api-keys): create one (its token is shown once,
 * here, and never again: only its SHA-256 is stored), list them, revoke one.
 */
export function ApiKeysPage() {
  const api = useApi();
  const me = useSession();
  const { state, reload } = useAsync(() => api.get<{ items: ApiKey[] }>('/v1/api-keys'), []);
  const [form, setForm] = useState<{ name: string; role: Role }>({ name: '', role: 'viewer' });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [created, setCreated] = useState<CreatedApiKey | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  const create = async (event: Event): Promise<void> => {
    event.preventDefault();
    setErrors(NO_ERRORS);
    setNotice(undefined);
    setCreated(undefined);
    setCopied(false);
    setBusy(true);
    try {
      const key = await api.post<CreatedApiKey>('/v1/api-keys', { name: form.name === '' ? undefined : form.name, role: form.role });
      setCreated(key);
      setForm({ name: '', role: 'viewer' });
      await reload();
    } catch (error) {
      setErrors(formErrors(error, ['name', 'role']));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (key: ApiKey): Promise<void> => {
    if (!window.confirm(`Revoke the key "${key.name}"? Anything using it is refused from now on.`)) return;
    setActionError(undefined);
    setNotice(undefined);
    try {
      await api.delete(`/v1/api-keys/${encodeURIComponent(key.id)}`);
      setNotice(`Key "${key.name}" revoked.`);
      await reload();
    } catch (error) {
      setActionError(error);
    }
  };

  const copy = async (token: string): Promise<void> => {
    try {
      await navigator.clipboard.writeText(token);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  const items = state.value?.items;
  return (
    <section>
      <PageHeader title="API keys" subtitle="Keys for the admin API and this console. A token is shown once, when its key is created; only its hash is stored." />
      <div class="card">
        <h2>Create a key</h2>
        <form class="form form-inline" onSubmit={(e) => void create(e)} aria-label="Create API key" noValidate>
          <Field label="Name" path="name" errors={errors} hint="what it is for, e.g. ci deploy">
            <input name="name" value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} autocomplete="off" />
          </Field>
          <Field label="Role" path="role" errors={errors} hint="viewer reads; editor changes; admin also manages keys">
            <select name="role" value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}>
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {role}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" class="button-primary" disabled={busy}>
            Create key
          </button>
        </form>
        <FormBanner errors={errors} />
        {created !== undefined ? (
          <div class="banner banner-warning token-once" role="status" aria-label="New token">
            <div>
              Key <strong>{created.name}</strong> ({created.role}) created. Copy its token now: it is not shown again.
            </div>
            <code class="token" data-token>
              {created.token}
            </code>
            <div class="form-actions">
              <button type="button" class="button-small" onClick={() => void copy(created.token)}>
                {copied ? 'Copied' : 'Copy'}
              </button>
              <button type="button" class="button-small" onClick={() => setCreated(undefined)}>
                Done
              </button>
            </div>
          </div>
        ) : null}
      </div>
      {notice !== undefined ? <Notice kind="success">{notice}</Notice> : null}
      {actionError !== undefined ? <ErrorBanner error={actionError} /> : null}
      <div class="card">
        <h2>Keys</h2>
        {state.status === 'error' ? <ErrorBanner error={state.error} onRetry={() => void reload()} /> : null}
        {items === undefined ? (
          state.status === 'loading' ? <Loading what="API keys" /> : null
        ) : items.length === 0 ? (
          <Empty>No keys.</Empty>
        ) : (
          <table class="table" aria-label="API keys">
            <thead>
              <tr>
                <th>Name</th>
                <th>Role</th>
                <th>Created</th>
                <th>State</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((key) => (
                <tr key={key.id} data-key-name={key.name} data-revoked={key.revokedAt === null || key.revokedAt === undefined ? 'no' : 'yes'}>
                  <td>
                    {key.name}
                    {key.id === me.keyId ? (
                      <>
                        {' '}
                        <Badge tone="info">you</Badge>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <Badge tone={key.role === 'admin' ? 'warn' : key.role === 'editor' ? 'info' : 'neutral'}>{key.role}</Badge>
                  </td>
                  <td>{formatTime(key.createdAt)}</td>
                  <td>{key.revokedAt === null || key.revokedAt === undefined ? <Badge tone="good">active</Badge> : <Badge tone="bad">revoked {formatTime(key.revokedAt)}</Badge>}</td>
                  <td class="actions">
                    <a class="button button-small" href={routeHref({ page: 'audit', filters: { actor: key.name } })}>
                      Its changes
                    </a>
                    {key.revokedAt === null || key.revokedAt === undefined ? (
                      <button type="button" class="button-small button-danger" onClick={() => void revoke(key)}>
                        Revoke
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
