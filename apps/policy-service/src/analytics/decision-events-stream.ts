import { decisionEventsStream, decisionEventsWildcard } from '@rl/contracts';
import { AckPolicy, DeliverPolicy, DiscardPolicy, nanos, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from 'nats';

/** The durable consumer every policy-service instance shares: each batch goes to one of them. */
export const ROLLUP_CONSUMER = 'analytics-rollups';
/** Batches wait this long for the policy service (down, or behind) before the stream drops them. */
const MAX_AGE_MS = 24 * 3_600_000;
/** At most this much is kept; the oldest batches go first. */
const MAX_BYTES = 1024 * 1024 * 1024;
/** A republished batch (same Nats-Msg-Id) within this window is dropped by JetStream. */
const DUPLICATE_WINDOW_MS = 2 * 60_000;
/** A delivered batch not acknowledged within this long is delivered again. */
const ACK_WAIT_MS = 30_000;

function isNotFound(error: unknown): boolean {
  const code = (error as { api_error?: { err_code?: number } } | undefined)?.api_error?.err_code;
  return code === 10059 || code === 10014 || /not found/i.test(error instanceof Error ? error.message : '');
}

/**
 * Makes sure the namespace's decision-events stream (`<NS>_DECISION_EVENTS`, subjects
 * `<ns>.events.decisions.*`, file storage, 24 h / 1 GiB, discard old) and its durable rollup
 * consumer exist. An existing stream or consumer is left as it is (operators may have tuned it).
 */
export async function ensureDecisionEventsStream(jsm: JetStreamManager, namespace: string): Promise<void> {
  const name = decisionEventsStream(namespace);
  try {
    await jsm.streams.info(name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    const config: Partial<StreamConfig> = {
      name,
      subjects: [decisionEventsWildcard(namespace)],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(MAX_AGE_MS),
      max_bytes: MAX_BYTES,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    };
    try {
      await jsm.streams.add(config);
    } catch (addError) {
      // Created concurrently by another instance: fine if it is there now.
      await jsm.streams.info(name).catch(() => {
        throw addError;
      });
    }
  }
  try {
    await jsm.consumers.info(name, ROLLUP_CONSUMER);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.consumers.add(name, {
      durable_name: ROLLUP_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ACK_WAIT_MS),
      max_ack_pending: 1_000,
    });
  }
}
