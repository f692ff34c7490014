import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api } from './api';
import { Badge, ErrorBanner, Loading, PageHeader } from './components';
import { ApiContext, SessionContext } from './context';
import { useAsync } from './hooks';
import { AnalyticsPage } from './pages/analytics';
import { ApiKeysPage } from './pages/api-keys';
import { AuditPage } from './pages/audit';
import { BlocksPage } from './pages/blocks';
import { CustomersPage } from './pages/customers';
import { GlobalUsagePage } from './pages/global-usage';
import { InspectorPage } from './pages/inspector';
import { PoliciesPage } from './pages/policies';
import { PolicyDetailPage } from './pages/policy-detail';
import { PolicyNewPage } from './pages/policy-new';
import { SignIn } from './pages/sign-in';
import { TiersPage } from './pages/tiers';
import { roleAllows } from './roles';
import { parseRoute, routeHref, type Route } from './router';
import { clearToken, loadToken, saveToken } from './session';
import type { ApiKeyRole, Role, WhoAmI } from './types';

const NAV: readonly { readonly label: string; readonly route: Route; readonly pages: readonly Route['page'][]; readonly role: Role }[] = [
  { label: 'Policies', route: { page: 'policies' }, pages: ['policies', 'policy', 'policy-new'], role: 'viewer' },
  { label: 'Customers & overrides', route: { page: 'customers' }, pages: ['customers'], role: 'viewer' },
  { label: 'Tiers', route: { page: 'tiers' }, pages: ['tiers'], role: 'viewer' },
  { label: 'Caller inspector', route: { page: 'inspector', caller: {} }, pages: ['inspector'], role: 'viewer' },
  { label: 'Block list', route: { page: 'blocks' }, pages: ['blocks'], role: 'viewer' },
  { label: 'Global limits', route: { page: 'global' }, pages: ['global'], role: 'viewer' },
  { label: 'Analytics', route: { page: 'analytics' }, pages: ['analytics'], role: 'viewer' },
  { label: 'Audit log', route: { page: 'audit', filters: {} }, pages: ['audit'], role: 'viewer' },
  { label: 'API keys', route: { page: 'api-keys' }, pages: ['api-keys'], role: 'admin' },
];

function useHashRoute(): Route {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = (): void => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash);
}

/** The console: sign-in gate, navigation, and the page the URL hash names. */
export function App() {
  const [token, setToken] = useState<string | undefined>(() => loadToken());
  const [signedOutReason, setSignedOutReason] = useState<string | undefined>(undefined);
  const [flash, setFlash] = useState<{ href: string; text: string } | undefined>(undefined);
  const route = useHashRoute();

  const signOut = (reason?: string): void => {
    clearToken();
    setToken(undefined);
    setSignedOutReason(reason);
  };
  const api = useMemo(
    () => (token === undefined ? undefined : new Api({ token, onUnauthorized: () => signOut('Your key was refused (unknown or revoked). Sign in again.') })),
    [token],
  );

  if (api === undefined) {
    return (
      <SignIn
        reason={signedOutReason}
        onSignedIn={(value) => {
          saveToken(value);
          setSignedOutReason(undefined);
          setToken(value);
        }}
      />
    );
  }

  const navigate = (href: string, text?: string): void => {
    setFlash(text === undefined ? undefined : { href, text });
    window.location.hash = href.replace(/^#/, '');
  };
  const flashFor = (href: string): string | undefined => (flash?.href === href ? flash.text : undefined);

  return (
    <ApiContext.Provider value={api}>
      <SignedIn api={api} route={route} navigate={navigate} flashFor={flashFor} signOut={signOut} />
    </ApiContext.Provider>
  );
}

/** The shell, once the key's role is known (GET /v1/whoami): navigation shows only what the role may use. */
function SignedIn(props: {
  api: Api;
  route: Route;
  navigate: (href: string, flash?: string) => void;
  flashFor: (href: string) => string | undefined;
  signOut: (reason?: string) => void;
}) {
  const { api, route, navigate, flashFor, signOut } = props;
  const who = useAsync(() => api.get<WhoAmI>('/v1/whoami'), [api]);
  const me = who.state.value;
  if (me === undefined) {
    return (
      <main class="content">{who.state.status === 'error' ? <ErrorBanner error={who.state.error} onRetry={() => void who.reload()} /> : <Loading what="your key's role" />}</main>
    );
  }
  return (
    <SessionContext.Provider value={me}>
      <div class="shell">
        <aside class="sidebar">
          <div class="sidebar-inner">
            <div class="brand">
              <span class="brand-mark" aria-hidden="true" />
              Rate limiter
            </div>
            <nav aria-label="Sections">
              {NAV.filter((item) => roleAllows(me.role, item.role)).map((item) => (
                <a key={item.label} href={routeHref(item.route)} class={item.pages.includes(route.page) ? 'nav-active' : ''}>
                  {item.label}
                </a>
              ))}
            </nav>
            <div class="sidebar-footer">
              <div class="whoami" data-role={me.role}>
                <span class="whoami-name">{me.name}</span> <Badge tone={me.role === 'viewer' ? 'neutral' : me.role === 'admin' ? 'warn' : 'info'}>{me.role}</Badge>
                {me.role === 'viewer' ? <span class="small">read-only</span> : null}
              </div>
              <a href="docs" target="_blank" rel="noreferrer">
                API docs
              </a>
              <button type="button" class="button-signout" onClick={() => signOut('Signed out.')}>
                Sign out
              </button>
            </div>
          </div>
        </aside>
        <main class="content">
          <Page route={route} navigate={navigate} flashFor={flashFor} role={me.role} />
        </main>
      </div>
    </SessionContext.Provider>
  );
}

function Page(props: { route: Route; navigate: (href: string, flash?: string) => void; flashFor: (href: string) => string | undefined; role: ApiKeyRole }) {
  const { route } = props;
  switch (route.page) {
    case 'policies':
      return <PoliciesPage flash={props.flashFor(routeHref(route))} />;
    case 'policy-new':
      return roleAllows(props.role, 'editor') ? (
        <PolicyNewPage navigate={props.navigate} />
      ) : (
        <section>
          <PageHeader title="New policy" subtitle="Your key can only read: creating policies needs the editor role." />
        </section>
      );
    case 'policy':
      return <PolicyDetailPage key={route.id} id={route.id} navigate={props.navigate} flash={props.flashFor(routeHref(route))} />;
    case 'customers':
      return <CustomersPage />;
    case 'blocks':
      return <BlocksPage />;
    case 'global':
      return <GlobalUsagePage policyId={route.policyId} keyId={route.key} navigate={props.navigate} />;
    case 'inspector':
      return <InspectorPage caller={route.caller} policyId={route.policyId} navigate={props.navigate} />;
    case 'analytics':
      return <AnalyticsPage />;
    case 'tiers':
      return <TiersPage />;
    case 'audit':
      return <AuditPage key={routeHref(route)} filters={route.filters} navigate={props.navigate} />;
    case 'api-keys':
      return roleAllows(props.role, 'admin') ? (
        <ApiKeysPage />
      ) : (
        <section>
          <PageHeader title="API keys" subtitle="Only admin keys manage API keys." />
        </section>
      );
    case 'not-found':
      return (
        <section>
          <PageHeader title="Not found" subtitle={`Nothing lives at ${route.hash}.`} />
          <a href={routeHref({ page: 'policies' })}>Go to the policies</a>
        </section>
      );
  }
}
