import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';

/** The signed-in session's API client, for every page. */
export const ApiContext = createContext<Api | undefined>(undefined);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (api === undefined) throw new Error('useApi outside a signed-in session');
  return api;
}
