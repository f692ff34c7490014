import { StoreUnavailableError, type StoreRequest } from '@rl/limiter-core';
import { StoreBackend } from '../store/store-backend';
import type { DecisionFor, DecisionStore } from '../store-port';

/**
 * A backend for unit specs whose store answers with `answer` (by default: down, every decision
 * goes to the policy's failure mode). Records every request asked and every degraded admit.
 */
export class ScriptedBackend extends StoreBackend {
  readonly name = 'scripted';
  readonly asked: StoreRequest[] = [];
  readonly admitted: StoreRequest[] = [];
  readonly store: DecisionStore;

  constructor(answer: (request: StoreRequest) => unknown = () => Promise.reject(new StoreUnavailableError('down', { cause: undefined }))) {
    super();
    this.store = {
      decide: <R extends StoreRequest>(request: R): Promise<DecisionFor<R>> => {
        this.asked.push(request);
        return Promise.resolve(answer(request) as DecisionFor<R>);
      },
    };
  }

  ping(): Promise<void> {
    return Promise.reject(new Error('scripted'));
  }
  start(): void {
    // Nothing to connect.
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  recordDegradedAdmit(request: StoreRequest): void {
    this.admitted.push(request);
  }
  resetCounter(): Promise<void> {
    return Promise.resolve();
  }
}
