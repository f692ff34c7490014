import { useState } from 'preact/hooks';
import { Api, ApiError, errorText } from '../api';

/**
 * Sign-in with an admin API key (any role: viewer, editor or admin). The key is checked with one
 * read (GET /v1/whoami) before it is kept for this tab.
 */
export function SignIn(props: { onSignedIn: (token: string) => void; reason?: string }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const candidate = token.trim();
    if (candidate === '') {
      setError('Enter an admin API key.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await new Api({ token: candidate, onUnauthorized: () => undefined }).get('/v1/whoami');
      props.onSignedIn(candidate);
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? 'This key is unknown or revoked.' : errorText(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form class="signin-card" onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true" />
          Rate limiter console
        </div>
        <p class="subtitle">Sign in with an admin API key. It is kept in this tab only and forgotten when you close it.</p>
        {props.reason !== undefined ? <div class="banner banner-warning">{props.reason}</div> : null}
        <label class={`field${error === undefined ? '' : ' field-invalid'}`}>
          <span class="field-label">Admin API key</span>
          <input
            name="token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            placeholder="rlk_… or your ADMIN_TOKEN"
            autoFocus
          />
          {error !== undefined ? (
            <span class="field-error" role="alert">
              {error}
            </span>
          ) : null}
        </label>
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
