import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';
import { roleAllows } from './roles';
import type { WhoAmI } from './types';

/** The signed-in session's API client, for every page. */
export const ApiContext = createContext<Api | undefined>(undefined);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (api === undefined) throw new Error('useApi outside a signed-in session');
  return api;
}

/** Who is signed in (GET /v1/whoami), so pages offer only what the key's role may do. */
export const SessionContext = createContext<WhoAmI | undefined>(undefined);

export interface Session extends WhoAmI {
  /** May this key change policies, customers, tiers, overrides and blocks? */
  readonly canEdit: boolean;
  /** May it manage API keys? */
  readonly isAdmin: boolean;
}

export function useSession(): Session {
  const who = useContext(SessionContext);
  if (who === undefined) throw new Error('useSession outside a signed-in session');
  return { ...who, canEdit: roleAllows(who.role, 'editor'), isAdmin: roleAllows(who.role, 'admin') };
}
