/**
 * The signed-in admin key lives in sessionStorage: it survives reloads of this tab, is not shared
 * with other tabs and is gone when the tab closes. Never in localStorage, cookies or the URL.
 */
const KEY = 'rl.console.token';

export function loadToken(storage: Storage = sessionStorage): string | undefined {
  const token = storage.getItem(KEY);
  return token === null || token === '' ? undefined : token;
}

export function saveToken(token: string, storage: Storage = sessionStorage): void {
  storage.setItem(KEY, token);
}

export function clearToken(storage: Storage = sessionStorage): void {
  storage.removeItem(KEY);
}
