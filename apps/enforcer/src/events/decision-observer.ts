import type { CheckRequest, CheckResponse } from '@rl/contracts';

/**
 * Told about every decision of `POST /v1/check`, after the reply is decided. Called on the request
 * path: an implementation must return at once, never throw and never wait for I/O.
 */
export interface DecisionObserver {
  onDecision(request: CheckRequest, response: CheckResponse, latencySeconds: number): void;
}
