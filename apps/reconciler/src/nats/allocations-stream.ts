import { globalAllocationsStream, globalAllocationsWildcard } from '@rl/contracts';
import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from 'nats';

/** JetStream drops a second publish with the same Nats-Msg-Id within this window (at most the max age: the server refuses more). */
const DUPLICATE_WINDOW_MS = 2 * 60_000;

function isStreamNotFound(error: unknown): boolean {
  const apiError = (error as { api_error?: { err_code?: number } } | undefined)?.api_error;
  return apiError?.err_code === 10059 || /stream not found/i.test(error instanceof Error ? error.message : '');
}

/**
 * Creates the allocation stream `<NS>_GLOBAL_ALLOCATIONS` (subjects `<ns>.global.allocations.>`,
 * limits retention, file storage, max age `maxAgeMs`, duplicate window 2 minutes or the max age if
 * shorter), or brings an existing one to that subject and max age. Called at every (re)connection;
 * a concurrent creation by another instance is fine.
 */
export async function ensureAllocationsStream(jsm: JetStreamManager, input: { namespace: string; maxAgeMs: number }): Promise<void> {
  const name = globalAllocationsStream(input.namespace);
  const subject = globalAllocationsWildcard(input.namespace);
  const duplicateWindow = nanos(Math.min(DUPLICATE_WINDOW_MS, input.maxAgeMs));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const info = await jsm.streams.info(name);
      const subjects = info.config.subjects ?? [];
      if (subjects.includes(subject) && info.config.max_age === nanos(input.maxAgeMs) && info.config.duplicate_window <= nanos(input.maxAgeMs)) return;
      await jsm.streams.update(name, {
        ...info.config,
        subjects: subjects.includes(subject) ? subjects : [...subjects, subject],
        max_age: nanos(input.maxAgeMs),
        duplicate_window: Math.min(info.config.duplicate_window, duplicateWindow),
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
      max_age: nanos(input.maxAgeMs),
      duplicate_window: duplicateWindow,
    };
    try {
      await jsm.streams.add(config);
      return;
    } catch (error) {
      if (attempt > 0) throw error;
    }
  }
}
