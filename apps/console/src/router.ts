import type { AuditEntity } from './types';
import { AUDIT_ENTITIES } from './types';

/** The audit page's filters, as its URL carries them. */
export interface AuditFilters {
  readonly entity?: AuditEntity;
  readonly entityId?: string;
  readonly actor?: string;
  /** ISO-8601. */
  readonly since?: string;
  readonly until?: string;
}

/** The caller the inspector page looks at, as its URL carries it. */
export interface InspectedCaller {
  readonly key?: string;
  readonly customerId?: string;
  readonly route?: string;
  readonly method?: string;
}

/** The console's pages, addressed by the URL hash (`#/policies/free-tier`), so the server needs no fallback route. */
export type Route =
  | { readonly page: 'policies' }
  | { readonly page: 'policy-new' }
  | { readonly page: 'policy'; readonly id: string }
  | { readonly page: 'customers' }
  | { readonly page: 'tiers' }
  | { readonly page: 'blocks' }
  | { readonly page: 'global'; readonly policyId?: string; readonly key?: string }
  /** `policyId`: the counter to show for the caller's key, when not the policy a check would get (e.g. a concurrency policy). */
  | { readonly page: 'inspector'; readonly caller: InspectedCaller; readonly policyId?: string }
  | { readonly page: 'analytics' }
  | { readonly page: 'audit'; readonly filters: AuditFilters }
  | { readonly page: 'api-keys' }
  | { readonly page: 'not-found'; readonly hash: string };

const SINGLE_PAGES = ['customers', 'tiers', 'blocks', 'analytics', 'api-keys'] as const;

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?', 2);
  const parts = path.split('/').filter((p) => p !== '').map(safeDecode);
  const params = new URLSearchParams(query);
  const param = (name: string): string | undefined => {
    const value = params.get(name);
    return value === null || value === '' ? undefined : value;
  };
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'policies')) return { page: 'policies' };
  if (parts[0] === 'policies' && parts.length === 2) return parts[1] === 'new' ? { page: 'policy-new' } : { page: 'policy', id: parts[1] };
  if (parts.length === 1) {
    const single = SINGLE_PAGES.find((p) => p === parts[0]);
    if (single !== undefined) return { page: single };
    if (parts[0] === 'global') return { page: 'global', policyId: param('policyId'), key: param('key') };
    if (parts[0] === 'inspector') {
      const caller = dropUndefined({ key: param('key'), customerId: param('customerId'), route: param('route'), method: param('method') });
      const policyId = param('policyId');
      return policyId === undefined ? { page: 'inspector', caller } : { page: 'inspector', caller, policyId };
    }
    if (parts[0] === 'audit') {
      const entity = AUDIT_ENTITIES.find((e) => e === param('entity'));
      return { page: 'audit', filters: dropUndefined({ entity, entityId: param('entityId'), actor: param('actor'), since: param('since'), until: param('until') }) };
    }
  }
  return { page: 'not-found', hash };
}

export function routeHref(route: Route): string {
  switch (route.page) {
    case 'policies':
      return '#/policies';
    case 'policy-new':
      return '#/policies/new';
    case 'policy':
      return `#/policies/${encodeURIComponent(route.id)}`;
    case 'customers':
    case 'tiers':
    case 'blocks':
    case 'analytics':
    case 'api-keys':
      return `#/${route.page}`;
    case 'global':
      return withQuery('#/global', { policyId: route.policyId, key: route.key });
    case 'inspector':
      return withQuery('#/inspector', { ...route.caller, policyId: route.policyId });
    case 'audit':
      return withQuery('#/audit', { ...route.filters });
    case 'not-found':
      return route.hash;
  }
}

function withQuery(base: string, values: Readonly<Record<string, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== '') params.set(name, value);
  const query = params.toString();
  return query === '' ? base : `${base}?${query}`;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
