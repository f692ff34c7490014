/** The console's pages, addressed by the URL hash (`#/policies/free-tier`), so the server needs no fallback route. */
export type Route =
  | { readonly page: 'policies' }
  | { readonly page: 'policy-new' }
  | { readonly page: 'policy'; readonly id: string }
  | { readonly page: 'customers' }
  | { readonly page: 'blocks' }
  | { readonly page: 'global'; readonly policyId?: string; readonly key?: string }
  | { readonly page: 'analytics' }
  | { readonly page: 'not-found'; readonly hash: string };

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?', 2);
  const parts = path.split('/').filter((p) => p !== '').map(safeDecode);
  const params = new URLSearchParams(query);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'policies')) return { page: 'policies' };
  if (parts[0] === 'policies' && parts.length === 2) return parts[1] === 'new' ? { page: 'policy-new' } : { page: 'policy', id: parts[1] };
  if (parts.length === 1 && parts[0] === 'customers') return { page: 'customers' };
  if (parts.length === 1 && parts[0] === 'blocks') return { page: 'blocks' };
  if (parts.length === 1 && parts[0] === 'analytics') return { page: 'analytics' };
  if (parts.length === 1 && parts[0] === 'global') {
    return { page: 'global', policyId: params.get('policyId') ?? undefined, key: params.get('key') ?? undefined };
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
      return '#/customers';
    case 'blocks':
      return '#/blocks';
    case 'analytics':
      return '#/analytics';
    case 'global': {
      const params = new URLSearchParams();
      if (route.policyId !== undefined) params.set('policyId', route.policyId);
      if (route.key !== undefined) params.set('key', route.key);
      const query = params.toString();
      return query === '' ? '#/global' : `#/global?${query}`;
    }
    case 'not-found':
      return route.hash;
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
