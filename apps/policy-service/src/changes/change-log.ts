import { Inject, Injectable } from '@nestjs/common';
import type { PolicyChange, PolicyChangeKind, PolicyChangeMessage } from '@rl/contracts';
import type { Logger } from 'pino';
import { DataSource, type QueryRunner } from 'typeorm';
import type { Actor } from '../auth/principal';
import { Clock } from '../core/clock';
import { LOGGER } from '@rl/platform/service';
import { PolicyServiceMetrics } from '../core/policy-service-metrics';
import { sql, type SqlResult } from '../database/sql';
import { inTransaction } from '../database/transaction';
import { writeAudit, type AuditEntry } from './audit-writer';
import { OUTBOX_CHANNEL, OutboxSignal } from './outbox-signal';

/** One change enforcers receive, with its audit record. */
export interface ChangeRecord extends Omit<AuditEntry, 'actor' | 'revision'> {
  readonly change: PolicyChange;
}

/** The transaction a control-plane change runs in. */
export class ChangeTransaction {
  readonly recorded: { kind: PolicyChangeKind; revision: number }[] = [];

  constructor(
    readonly runner: QueryRunner,
    readonly actor: Actor,
    private readonly clock: Clock,
  ) {}

  query<Row = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    return sql<Row>(this.runner, text, params);
  }

  /**
   * Takes the next control revision (gap-free: the counter row is updated in this transaction, so
   * a rollback gives the number back) and writes the outbox row and the audit row with it.
   */
  async record(record: ChangeRecord): Promise<number> {
    const { rows } = await this.query<{ value: string }>('UPDATE control_revision SET value = value + 1 RETURNING value');
    const revision = Number(rows[0].value);
    const message: PolicyChangeMessage = { revision, committedAt: this.clock.now().toISOString(), change: record.change };
    await this.query('INSERT INTO outbox (revision, message) VALUES ($1, $2)', [revision, JSON.stringify(message)]);
    await writeAudit(this.runner, {
      actor: this.actor,
      action: record.action,
      entityType: record.entityType,
      entityId: record.entityId,
      revision,
      before: record.before,
      after: record.after,
    });
    await this.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
    this.recorded.push({ kind: record.change.kind, revision });
    return revision;
  }
}

/**
 * Where every control-plane change commits: the entity rows, the version row, the audit row, the
 * revision and the outbox row in ONE transaction. Changes are serialised by locking the revision
 * row first, so revisions follow commit order and a change reads the state it replaces exactly.
 * The commit wakes the outbox relay: this instance's at once (OutboxSignal), every instance's
 * through NOTIFY.
 */
@Injectable()
export class ChangeLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly metrics: PolicyServiceMetrics,
    private readonly signal: OutboxSignal,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async commit<T>(actor: Actor, work: (tx: ChangeTransaction) => Promise<T>): Promise<T> {
    let tx: ChangeTransaction | undefined;
    const result = await inTransaction({
      dataSource: this.dataSource,
      logger: this.logger,
      work: async (runner) => {
        tx = new ChangeTransaction(runner, actor, this.clock);
        await sql(runner, 'SELECT value FROM control_revision FOR UPDATE');
        return work(tx);
      },
    });
    const recorded = tx?.recorded ?? [];
    for (const { kind, revision } of recorded) this.metrics.recordChange(kind, revision);
    if (recorded.length > 0) this.signal.notify();
    return result;
  }
}
