import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api } from './api';
import { ApiContext } from './context';
import { PageHeader } from './components';
import { AnalyticsPage } from './pages/analytics';
import { BlocksPage } from './pages/blocks';
import { CustomersPage } from './pages/customers';
import { GlobalUsagePage } from './pages/global-usage';
import { PoliciesPage } from './pages/policies';
import { PolicyDetailPage } from './pages/policy-detail';
import { PolicyNewPage } from './pages/policy-new';
import { SignIn } from './pages/sign-in';
import { parseRoute, routeHref, type Route } from './router';
import { clearToken, loadToken, saveToken } from './session';

const NAV: readonly { readonly label: string; readonly route: Route; readonly pages: readonly Route['page'][] }[] = [
  { label: 'Policies', route: { page: 'policies' }, pages: ['policies', 'policy', 'policy-new'] },
  { label: 'Customers & overrides', route: { page: 'customers' }, pages: ['customers'] },
  { label: 'Block list', route: { page: 'blocks' }, pages: ['blocks'] },
  { label: 'Global limits', route: { page: 'global' }, pages: ['global'] },
  { label: 'Analytics', route: { page: 'analytics' }, pages: ['analytics'] },
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
      <div class="shell">
        <aside class="sidebar">
          <div class="sidebar-inner">
            <div class="brand">
              <span class="brand-mark" aria-hidden="true" />
              Rate limiter
            </div>
            <nav aria-label="Sections">
              {NAV.map((item) => (
                <a key={item.label} href={routeHref(item.route)} class={item.pages.includes(route.page) ? 'nav-active' : ''}>
                  {item.label}
                </a>
              ))}
            </nav>
            <div class="sidebar-footer">
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
          <Page route={route} navigate={navigate} flashFor={flashFor} />
        </main>
      </div>
    </ApiContext.Provider>
  );
}

function Page(props: { route: Route; navigate: (href: string, flash?: string) => void; flashFor: (href: string) => string | undefined }) {
  const { route } = props;
  switch (route.page) {
    case 'policies':
      return <PoliciesPage flash={props.flashFor(routeHref(route))} />;
    case 'policy-new':
      return <PolicyNewPage navigate={props.navigate} />;
    case 'policy':
      return <PolicyDetailPage key={route.id} id={route.id} navigate={props.navigate} flash={props.flashFor(routeHref(route))} />;
    case 'customers':
      return <CustomersPage />;
    case 'blocks':
      return <BlocksPage />;
    case 'global':
      return <GlobalUsagePage policyId={route.policyId} keyId={route.key} navigate={props.navigate} />;
    case 'analytics':
      return <AnalyticsPage />;
    case 'not-found':
      return (
        <section>
          <PageHeader title="Not found" subtitle={`Nothing lives at ${route.hash}.`} />
          <a href={routeHref({ page: 'policies' })}>Go to the policies</a>
        </section>
      );
  }
}
