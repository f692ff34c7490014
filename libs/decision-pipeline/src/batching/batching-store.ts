import { StoreError, StoreUnavailableError } from '@rl/limiter-core';
import type { BatchCounterStore, DecisionFor, DecisionStore, StoreDecision, StoreRequest } from '../store-port';

interface Pending {
  readonly request: StoreRequest;
  readonly resolve: (decision: StoreDecision) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Turns single decisions into batches: every decision asked for in one event-loop turn goes to
 * the store in one `decideMany` call (which bounds each script call's size and, on a Cluster,
 * splits by node).
 *
 * The batch is sent from `setImmediate`, which runs right after the turn's I/O callbacks: all the
 * requests whose bytes arrived in that turn have been parsed and have asked by then, and nothing
 * waits on a timer. A single decision in a quiet turn goes out at once; under load the batches grow
 * by themselves, and Redis pays one script call, one TIME and one reply per batch instead of per
 * decision.
 *
 * A batch that fails as a whole (the call timed out, the connection dropped) fails every decision
 * in it; the store never replays it, since the script may have run.
 */
export class BatchingStore implements DecisionStore {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly flush = (): void => this.send();

  constructor(
    private readonly store: BatchCounterStore,
    /** Called with the size of each batch sent (metrics). */
    private readonly onBatch?: (decisions: number) => void,
  ) {}

  decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    return new Promise<DecisionFor<R>>((resolve, reject) => {
      this.queue.push({ request, resolve: resolve as (decision: StoreDecision) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Decisions waiting for the next batch (tests, metrics). */
  get pending(): number {
    return this.queue.length;
  }

  private send(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.onBatch?.(batch.length);
    this.store.decideMany(batch.map((pending) => pending.request)).then(
      (results) => {
        for (let i = 0; i < batch.length; i++) {
          const result = results[i];
          if (result === undefined) batch[i].reject(new StoreUnavailableError(`batch reply has no entry ${i} of ${batch.length}`, { cause: results }));
          else if (result instanceof StoreError) batch[i].reject(result);
          else batch[i].resolve(result);
        }
      },
      (error: unknown) => {
        // decideMany never rejects by contract; a bug there must not leave decisions hanging.
        for (const pending of batch) pending.reject(error);
      },
    );
  }
}
