/**
 * The failure vocabulary of the counter-store ports (CounterStore, GlobalWindowStore,
 * BatchCounterStore): pure classes, so that the code deciding what a failure means (failure modes,
 * breakers, degraded ledgers) depends on the port, not on Redis. Stores convert whatever their
 * client throws into these, once, where it leaves the store.
 */

/**
 * The counter store could not produce a decision. Callers catch this one type and apply the
 * policy's failure mode (fail open or closed); the subclasses say why.
 */
export abstract class StoreError extends Error {
  protected constructor(message: string, options: { cause: unknown }) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
  }
}

/** The store is unreachable, refused the request, or replied with an error. The request was not counted, as far as the store can tell. */
export class StoreUnavailableError extends StoreError {
  /** The store's error code when it replied with an error (for Redis e.g. `BUSY`, `OOM`, `CLUSTERDOWN`). */
  readonly code: string | undefined;

  constructor(message: string, options: { cause: unknown; code?: string }) {
    super(message, options);
    this.code = options.code;
  }
}

/**
 * No reply in time. The store may still have applied the request (and counted it): the outcome is
 * unknown, which is why a store never replays it.
 */
export class StoreTimeoutError extends StoreError {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}
