import { JSONCodec, type JetStreamClient, type NatsConnection, type PubAck } from 'nats';
import { policyChangeMsgId, policyChangesSubject, type PolicyChangeMessage } from '@rl/contracts';
import type { MessageSigner } from '@rl/platform';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { PolicyServiceMetrics } from '../core/policy-service-metrics';
import { sql } from '../database/sql';
import { canonicalMessage } from './canonical-message';
import { ensurePolicyChangesStream } from './policy-changes-stream';

/** One relay at a time per database publishes, so the stream receives revisions in order (an arbitrary constant). */
const RELAY_LOCK = 7_265_002;

export interface OutboxRelayOptions {
  readonly dataSource: DataSource;
  /** The NATS connection while it is up. */
  readonly nats: () => NatsConnection | undefined;
  readonly namespace: string;
  /** Signs every message (POLICY_SIGNING_PRIVATE_KEY); enforcers apply only what verifies. */
  readonly signer: MessageSigner;
  readonly pollMs: number;
  readonly batchSize: number;
  readonly logger: Logger;
  readonly metrics?: PolicyServiceMetrics;
  /** How long to wait for each PubAck. */
  readonly publishTimeoutMs?: number;
  /**
   * Test seam: runs after each PubAck, before the row is marked sent. Throwing here behaves like
   * the process dying between publish and mark: nothing of the round is marked.
   */
  readonly afterPublish?: (revision: number, ack: PubAck) => void | Promise<void>;
}

export interface RelayRound {
  /** Rows published and marked sent in this round. */
  readonly published: number;
  /** Of those, how many JetStream had already stored (a republish after a crash). */
  readonly duplicates: number;
  /** Why nothing was attempted: NATS is down, or another relay holds the lock. */
  readonly skipped?: 'nats-down' | 'locked';
}

interface OutboxRow {
  revision: string;
  message: PolicyChangeMessage;
  created_at: Date;
}

const codec = JSONCodec<PolicyChangeMessage>();

/**
 * The transactional outbox's relay. Each round, in one transaction: take the relay lock, read the
 * unsent rows in revision order (FOR UPDATE SKIP LOCKED), sign each (Ed25519, the signed envelope
 * of contracts `signed-envelope.ts`), publish it to JetStream with
 * `Nats-Msg-Id: policy-rev-<revision>-<signature token>` and wait for its PubAck, then mark them
 * sent and commit.
 *
 * A crash after a publish and before the commit leaves the rows unsent: the next round signs the
 * same bytes again, which gives the same signature and so the same message id; JetStream
 * recognises it (PubAck.duplicate) and stores nothing, so each revision is on the stream exactly
 * once. (Beyond the duplicate window, enforcers still ignore a revision at or below the one they
 * hold.) Why the id carries the signature: `policyChangeMsgId`.
 *
 * Rounds run when woken (`nudge`, after every commit) and every `pollMs`.
 */
export class OutboxRelay {
  private running: Promise<void> | undefined;
  private stopping = false;
  private wakeRequested = false;
  private wake: (() => void) | undefined;
  private streamReadyFor: NatsConnection | undefined;
  private failures = 0;

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    this.stopping = false;
    this.running ??= this.loop();
  }

  /** Runs a round as soon as the current one (if any) ends. */
  nudge(): void {
    this.wakeRequested = true;
    this.wake?.();
  }

  /** Finishes the current round, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  /** The rows not yet acknowledged by JetStream. */
  async backlog(): Promise<number> {
    const rows = (await this.options.dataSource.query('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL')) as { n: number }[];
    return rows[0].n;
  }

  /** One round; rejects (and marks nothing) if anything in it fails. */
  async relayOnce(): Promise<RelayRound> {
    const nc = this.options.nats();
    if (nc === undefined) return { published: 0, duplicates: 0, skipped: 'nats-down' };
    const js = nc.jetstream();
    if (this.streamReadyFor !== nc) {
      await ensurePolicyChangesStream(await nc.jetstreamManager(), this.options.namespace);
      this.streamReadyFor = nc;
    }
    const runner = this.options.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction('READ COMMITTED');
      const lock = await sql<{ locked: boolean }>(runner, 'SELECT pg_try_advisory_xact_lock($1) AS locked', [RELAY_LOCK]);
      if (!lock.rows[0].locked) {
        await runner.commitTransaction();
        return { published: 0, duplicates: 0, skipped: 'locked' };
      }
      const { rows } = await sql<OutboxRow>(
        runner,
        'SELECT revision, message, created_at FROM outbox WHERE sent_at IS NULL ORDER BY revision LIMIT $1 FOR UPDATE SKIP LOCKED',
        [this.options.batchSize],
      );
      let duplicates = 0;
      for (const row of rows) {
        const ack = await this.publish(js, row);
        if (ack.duplicate) duplicates++;
      }
      if (rows.length > 0) {
        await sql(runner, 'UPDATE outbox SET sent_at = clock_timestamp() WHERE revision = ANY($1::bigint[])', [rows.map((row) => row.revision)]);
      }
      await runner.commitTransaction();
      if (rows.length > 0) this.options.metrics?.observeRevision(Number(rows[rows.length - 1].revision));
      return { published: rows.length, duplicates };
    } catch (error) {
      this.streamReadyFor = undefined;
      if (runner.isTransactionActive) {
        await runner.rollbackTransaction().catch((rollbackError: unknown) => this.options.logger.warn({ err: rollbackError }, 'outbox rollback failed'));
      }
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async publish(js: JetStreamClient, row: OutboxRow): Promise<PubAck> {
    const revision = Number(row.revision);
    const { envelope, signature } = this.options.signer.sign('policy-change', codec.encode(canonicalMessage(row.message)));
    const ack = await js.publish(policyChangesSubject(this.options.namespace), envelope, {
      msgID: policyChangeMsgId(revision, signature),
      timeout: this.options.publishTimeoutMs ?? 2_000,
    });
    this.options.metrics?.recordPublished(ack.duplicate, (Date.now() - row.created_at.getTime()) / 1000);
    if (ack.duplicate) this.options.logger.info({ revision, seq: ack.seq }, 'outbox row was already on the stream (republished after a crash); marking it sent');
    await this.options.afterPublish?.(revision, ack);
    return ack;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.wakeRequested = false;
      let more = false;
      try {
        const round = await this.relayOnce();
        more = round.published >= this.options.batchSize;
        if (this.failures > 0) this.options.logger.info({ failures: this.failures }, 'outbox relay recovered');
        this.failures = 0;
      } catch (error) {
        this.options.metrics?.recordPublishFailure();
        if (this.failures++ % 50 === 0) this.options.logger.warn({ err: error, failures: this.failures }, 'outbox relay round failed; retrying');
      }
      if (this.stopping || more || this.wakeRequested) continue;
      const waitMs = this.failures === 0 ? this.options.pollMs : Math.min(this.options.pollMs * 2 ** Math.min(this.failures, 6), 5_000);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
