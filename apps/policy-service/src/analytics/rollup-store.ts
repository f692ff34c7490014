import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER } from '@rl/platform/service';
import { sql } from '../database/sql';
import { inTransaction } from '../database/transaction';
import type { RollupDelta } from './rollup';

/** Writes of the per-minute rollups (`decision_rollups`) and the counted-batch ids (`decision_event_batches`). */
@Injectable()
export class RollupStore {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Adds one batch's increments, once: in one transaction, the batch id is recorded and the rows
   * upserted (`ON CONFLICT ... DO UPDATE SET x = x + excluded.x`; the sample statistics of a row
   * written before they were kept stay NULL: unknown). A batch whose id is recorded
   * already (a redelivery after a lost ack, or another instance got it first) changes nothing.
   */
  async addBatch(batchId: string, rows: readonly RollupDelta[]): Promise<'stored' | 'duplicate'> {
    return inTransaction({
      dataSource: this.dataSource,
      logger: this.logger,
      work: async (runner) => {
        const claimed = await sql(runner, 'INSERT INTO decision_event_batches (id) VALUES ($1) ON CONFLICT (id) DO NOTHING RETURNING id', [batchId]);
        if (claimed.rows.length === 0) return 'duplicate';
        if (rows.length === 0) return 'stored';
        await sql(
          runner,
          `INSERT INTO decision_rollups AS r (minute, region, policy_id, customer_id, key_hash, allowed, denied, shadow_denied, degraded, blocked,
             allowed_events, allowed_variance, degraded_events, degraded_variance)
           SELECT to_timestamp(m / 1000.0), region, policy_id, customer_id, key_hash, allowed, denied, shadow_denied, degraded, blocked,
             allowed_events, allowed_variance, degraded_events, degraded_variance
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::bigint[], $8::bigint[], $9::float8[], $10::bigint[],
                       $11::bigint[], $12::float8[], $13::bigint[], $14::float8[])
             AS t (m, region, policy_id, customer_id, key_hash, allowed, denied, shadow_denied, degraded, blocked,
                   allowed_events, allowed_variance, degraded_events, degraded_variance)
           ON CONFLICT (minute, region, policy_id, customer_id, key_hash) DO UPDATE SET
             allowed = r.allowed + excluded.allowed,
             denied = r.denied + excluded.denied,
             shadow_denied = r.shadow_denied + excluded.shadow_denied,
             degraded = r.degraded + excluded.degraded,
             blocked = r.blocked + excluded.blocked,
             allowed_events = r.allowed_events + excluded.allowed_events,
             allowed_variance = r.allowed_variance + excluded.allowed_variance,
             degraded_events = r.degraded_events + excluded.degraded_events,
             degraded_variance = r.degraded_variance + excluded.degraded_variance`,
          [
            rows.map((r) => r.minuteMs),
            rows.map((r) => r.region),
            rows.map((r) => r.policyId),
            rows.map((r) => r.customerId),
            rows.map((r) => r.keyHash),
            rows.map((r) => r.allowed),
            rows.map((r) => r.denied),
            rows.map((r) => r.shadowDenied),
            rows.map((r) => r.degraded),
            rows.map((r) => r.blocked),
            rows.map((r) => r.allowedEvents),
            rows.map((r) => r.allowedVariance),
            rows.map((r) => r.degradedEvents),
            rows.map((r) => r.degradedVariance),
          ],
        );
        return 'stored';
      },
    });
  }

  /** Deletes rollup minutes before `rollupsBefore` and batch ids recorded before `batchesBefore`; returns the rollup rows deleted. */
  async deleteOlderThan(input: { rollupsBefore: Date; batchesBefore: Date }): Promise<number> {
    return inTransaction({
      dataSource: this.dataSource,
      logger: this.logger,
      work: async (runner) => {
        const rollups = await sql(runner, 'DELETE FROM decision_rollups WHERE minute < $1', [input.rollupsBefore]);
        await sql(runner, 'DELETE FROM decision_event_batches WHERE received_at < $1', [input.batchesBefore]);
        return rollups.rowCount;
      },
    });
  }
}
