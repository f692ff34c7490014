import { assertNamespace } from '../control-plane/subjects';
import { EVENT_REGION_RULE } from './decision-event-bounds';

/**
 * NATS names of decision events. Built only from validated tokens: the namespace (config
 * NATS_NAMESPACE) and a region name (config REGION), never from message or request data.
 *
 * - `<ns>.events.decisions.<region>`: DecisionEventBatch, published by each enforcer (core NATS).
 * - JetStream stream `<NS>_DECISION_EVENTS` captures `<ns>.events.decisions.*` (created by the
 *   policy service, which consumes it through a durable consumer).
 */
export function assertEventRegion(region: string): string {
  if (!EVENT_REGION_RULE.pattern.test(region)) throw new Error(`region must match ${EVENT_REGION_RULE.pattern.source} (got ${JSON.stringify(region)})`);
  return region;
}

export function decisionEventsSubject(namespace: string, region: string): string {
  return `${assertNamespace(namespace)}.events.decisions.${assertEventRegion(region)}`;
}

/** Every region's decision events. */
export function decisionEventsWildcard(namespace: string): string {
  return `${assertNamespace(namespace)}.events.decisions.*`;
}

export function decisionEventsStream(namespace: string): string {
  return `${assertNamespace(namespace).toUpperCase().replace(/-/g, '_')}_DECISION_EVENTS`;
}

/** `Nats-Msg-Id` of a batch: JetStream drops a second publish of it within its duplicate window. */
export function decisionEventsMsgId(batch: { region: string; instanceId: string; bootId: string; sequence: number }): string {
  return `events-${batch.region}-${batch.instanceId}-${batch.bootId}-${batch.sequence}`;
}
