import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from 'nats';
import { policyChangesStream, policyChangesSubject } from '@rl/contracts';

/** JetStream drops a second publish with the same Nats-Msg-Id within this window (new streams). */
export const DUPLICATE_WINDOW_MS = 5 * 60_000;
/** The least duplicate window the relay accepts on an existing stream. */
export const MIN_DUPLICATE_WINDOW_MS = 2 * 60_000;
/** Enforcers that fall further behind resync from the snapshot. */
const MAX_AGE_MS = 7 * 24 * 3600_000;

function isStreamNotFound(error: unknown): boolean {
  const apiError = (error as { api_error?: { err_code?: number } } | undefined)?.api_error;
  return apiError?.err_code === 10059 || /stream not found/i.test(error instanceof Error ? error.message : '');
}

/**
 * Makes sure the namespace's policy-changes stream exists, captures its subject and deduplicates
 * for at least MIN_DUPLICATE_WINDOW_MS. Creates it if missing (file storage, 7 days, 5-minute
 * duplicate window). An existing stream (the enforcers may have created it first) is changed only
 * where it falls short: the subject is added, the duplicate window widened; nothing else is touched.
 */
export async function ensurePolicyChangesStream(jsm: JetStreamManager, namespace: string): Promise<void> {
  const name = policyChangesStream(namespace);
  const subject = policyChangesSubject(namespace);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const info = await jsm.streams.info(name);
      const subjects = info.config.subjects ?? [];
      if (subjects.includes(subject) && info.config.duplicate_window >= nanos(MIN_DUPLICATE_WINDOW_MS)) return;
      await jsm.streams.update(name, {
        ...info.config,
        subjects: subjects.includes(subject) ? subjects : [...subjects, subject],
        duplicate_window: Math.max(info.config.duplicate_window, nanos(MIN_DUPLICATE_WINDOW_MS)),
      });
      return;
    } catch (error) {
      if (!isStreamNotFound(error)) throw error;
    }
    const config: Partial<StreamConfig> = {
      name,
      subjects: [subject],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(MAX_AGE_MS),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    };
    try {
      await jsm.streams.add(config);
      return;
    } catch (error) {
      // Created concurrently (by another instance or an enforcer): check it once more.
      if (attempt > 0) throw error;
    }
  }
}
