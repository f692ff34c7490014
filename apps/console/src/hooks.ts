import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export type AsyncState<T> =
  | { readonly status: 'loading'; readonly value?: T }
  | { readonly status: 'ok'; readonly value: T; readonly at: number }
  | { readonly status: 'error'; readonly error: unknown; readonly value?: T };

/**
 * Runs `load` when `deps` change and on `reload()`. A late answer of an earlier run never
 * overwrites a newer one, and the last good value stays available while reloading or after an
 * error (so a refreshing table does not flash empty).
 */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): { state: AsyncState<T>; reload: () => Promise<void> } {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const run = useRef(0);
  const latest = useRef(load);
  latest.current = load;

  const reload = useCallback(async (): Promise<void> => {
    const mine = ++run.current;
    setState((previous) => ({ status: 'loading', value: previous.value }));
    try {
      const value = await latest.current();
      if (mine === run.current) setState({ status: 'ok', value, at: Date.now() });
    } catch (error) {
      if (mine === run.current) setState((previous) => ({ status: 'error', error, value: previous.value }));
    }
  }, []);

  useEffect(() => {
    void reload();
  }, deps);

  return { state, reload };
}

/**
 * Like useAsync, and again every `intervalMs` after each answer (never two requests at once),
 * pausing while the tab is hidden. Reloads keep showing the previous value.
 */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number, deps: readonly unknown[]): { state: AsyncState<T>; reload: () => Promise<void> } {
  const { state, reload } = useAsync(load, deps);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const tick = async (): Promise<void> => {
      if (!document.hidden) await reload();
      if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
    };
    timer = setTimeout(() => void tick(), intervalMs);
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [intervalMs, reload, ...deps]);
  return { state, reload };
}

/** The current time, refreshed every `intervalMs` (for "expires in" and "updated ago" texts). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
