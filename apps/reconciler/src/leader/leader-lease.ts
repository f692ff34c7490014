import { RECONCILER_EPOCH_KEY, RECONCILER_LEADER_KEY } from '@rl/contracts';
import type { KV } from 'nats';

/** Another instance changed the KV entry we held: we are no longer the leader. */
export class LeadershipLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeadershipLostError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The leader lease in the KV bucket `<NS>_RECONCILER`, key `leader`, taken and renewed only by
 * compare-and-set on the entry's revision (kv.create / kv.update with the previous revision).
 *
 * No clocks are compared across hosts. The leader renews every third of the lease and considers
 * itself leader only until two thirds of a lease after the start of its last successful renewal.
 * A standby takes over only after it has seen the same revision for a whole lease on its own clock,
 * which is at least a full lease after that renewal was sent: the old leader has stopped acting a
 * third of a lease before the new one starts.
 */
export class LeaderLease {
  private revision: number | undefined;
  private renewedAtMs = Number.NEGATIVE_INFINITY;
  private observed: { revision: number; sinceMs: number } | undefined;
  private replacedAtMs: number | undefined;

  constructor(
    private readonly kv: KV,
    private readonly options: { instanceId: string; leaseMs: number; now: () => number },
  ) {}

  /**
   * When the lease entry this instance replaced on acquiring the lease was written (the previous
   * leader's last renewal, or its resignation), by the NATS server's clock; undefined when there
   * was none. How long no leader ran, give or take a lease.
   */
  get previousLeaderSeenAtMs(): number | undefined {
    return this.replacedAtMs;
  }

  /** True while this instance holds the lease and its last renewal is recent enough to act on. */
  isLeader(): boolean {
    return this.revision !== undefined && this.options.now() - this.renewedAtMs < (this.options.leaseMs * 2) / 3;
  }

  /** One renewal or acquisition attempt. Resolves whether this instance leads afterwards. */
  async tick(): Promise<boolean> {
    const startedMs = this.options.now();
    const value = encoder.encode(JSON.stringify({ instanceId: this.options.instanceId, renewedAtMs: startedMs }));
    const entry = await this.kv.get(RECONCILER_LEADER_KEY);
    if (this.revision !== undefined) {
      if (entry === null || entry.revision !== this.revision || entry.operation !== 'PUT') {
        this.revision = undefined;
        return false;
      }
      try {
        this.revision = await this.kv.update(RECONCILER_LEADER_KEY, value, this.revision);
        this.renewedAtMs = startedMs;
        return true;
      } catch {
        this.revision = undefined;
        return false;
      }
    }
    const vacant = entry === null || entry.operation !== 'PUT';
    if (!vacant) {
      if (this.observed === undefined || this.observed.revision !== entry.revision) {
        this.observed = { revision: entry.revision, sinceMs: startedMs };
        return false;
      }
      if (startedMs - this.observed.sinceMs < this.options.leaseMs) return false;
    }
    try {
      this.revision = entry === null ? await this.kv.create(RECONCILER_LEADER_KEY, value) : await this.kv.update(RECONCILER_LEADER_KEY, value, entry.revision);
      this.renewedAtMs = startedMs;
      this.observed = undefined;
      this.replacedAtMs = entry === null ? undefined : entry.created.getTime();
      return true;
    } catch {
      // Another standby won the race: watch the new holder's revision from now on.
      return false;
    }
  }

  /** The holder named in the lease, for logs and /readyz. */
  async holder(): Promise<string | undefined> {
    const entry = await this.kv.get(RECONCILER_LEADER_KEY);
    if (entry === null || entry.operation !== 'PUT') return undefined;
    try {
      const parsed = JSON.parse(decoder.decode(entry.value)) as { instanceId?: unknown };
      return typeof parsed.instanceId === 'string' ? parsed.instanceId : undefined;
    } catch {
      return undefined;
    }
  }

  /** Gives the lease up (graceful shutdown), so a standby takes over without waiting a lease. */
  async resign(): Promise<void> {
    const revision = this.revision;
    this.revision = undefined;
    if (revision === undefined) return;
    await this.kv.delete(RECONCILER_LEADER_KEY, { previousSeq: revision });
  }

  /** Forgets the lease locally (e.g. the connection was replaced); the next tick re-evaluates. */
  drop(): void {
    this.revision = undefined;
  }
}

/**
 * The last allocation epoch issued by any leader, key `epoch` of the same bucket. A leader reserves
 * the epochs of a cycle with compare-and-set before publishing them, so epochs never repeat and
 * a deposed leader that still runs a cycle cannot publish (its compare-and-set fails).
 */
export class EpochStore {
  private revision: number | undefined;
  private value = 0;

  constructor(private readonly kv: KV) {}

  /** Reads the current epoch (0 when none was ever issued) and remembers its revision. */
  async load(): Promise<number> {
    const entry = await this.kv.get(RECONCILER_EPOCH_KEY);
    if (entry === null || entry.operation !== 'PUT') {
      this.revision = entry?.revision;
      this.value = 0;
      return 0;
    }
    const parsed = Number(decoder.decode(entry.value));
    if (!Number.isSafeInteger(parsed) || parsed < 0) throw new Error(`KV key ${RECONCILER_EPOCH_KEY} holds no epoch: ${JSON.stringify(decoder.decode(entry.value).slice(0, 40))}`);
    this.revision = entry.revision;
    this.value = parsed;
    return parsed;
  }

  get current(): number {
    return this.value;
  }

  /** Compare-and-set to `epoch`; throws LeadershipLostError when someone else wrote it meanwhile. */
  async advance(epoch: number): Promise<void> {
    if (epoch <= this.value) throw new Error(`epoch ${epoch} must be above ${this.value}`);
    const data = encoder.encode(String(epoch));
    try {
      this.revision = this.revision === undefined ? await this.kv.create(RECONCILER_EPOCH_KEY, data) : await this.kv.update(RECONCILER_EPOCH_KEY, data, this.revision);
    } catch (error) {
      this.revision = undefined;
      throw new LeadershipLostError(`epoch ${epoch} not reserved: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.value = epoch;
  }
}
