import type { RedisCounterStore } from '@rl/redis-store';
import { StoreError, toStoreError, withProgressDeadline, type ProgressDeadlineOptions } from '@rl/redis-store';
import { isGlobalRequest, type BatchCounterStore, type StoreDecision, type StoreRequest } from '../store-port';

/**
 * A batch as one script call per decision, all written in the same turn (ioredis auto-pipelines
 * them into one socket write), each bounded by the connection's progress: for a store without a
 * batch script.
 */
export function singleCallBatches(store: RedisCounterStore, deadline: ProgressDeadlineOptions): BatchCounterStore {
  const one = (request: StoreRequest): Promise<StoreDecision> =>
    withProgressDeadline<StoreDecision>(isGlobalRequest(request) ? store.decideGlobal(request) : store.decide(request), `${request.algorithm} decision`, deadline).catch(
      (error: unknown) => {
        throw toStoreError(error, `${request.algorithm} decision`);
      },
    );
  return {
    decideMany: (requests) =>
      Promise.all(
        requests.map((request) =>
          one(request).catch((error: unknown) => {
            if (error instanceof StoreError) return error;
            throw error;
          }),
        ),
      ),
  };
}
