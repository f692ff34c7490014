import type { CheckRequest, CheckResponse } from '@rl/contracts';
import type { BlockEscalator } from '../blocks/block-escalator';
import type { DecisionObserver } from './decision-observer';

/**
 * Notes one decision made for a caller (a check or an acquire), once, after its reply is decided:
 * a 429 denial by a policy (not a block) counts toward automatic blocks, and every decision goes
 * to the decision-event observer (which samples admissions). Neither waits.
 */
export function noteDecision(input: {
  escalator: BlockEscalator;
  observer: DecisionObserver | null;
  request: CheckRequest;
  statusCode: number;
  body: CheckResponse;
  latencySeconds: number;
}): void {
  const { body, request } = input;
  if (input.statusCode === 429 && body.blocked !== true) input.escalator.noteDenial(request, body.policy.id);
  input.observer?.onDecision(request, body, input.latencySeconds);
}
