import { Inject, Injectable } from '@nestjs/common';
import type { CustomerAssignment, Policy, PolicySnapshot } from '@rl/contracts';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { BLOCK_COLUMNS, toBlock, type BlockRow } from '../blocks/blocks.service';
import { Clock } from '../core/clock';
import { LOGGER } from '@rl/platform/service';
import { sql } from '../database/sql';
import { canonicalPolicy, toPolicy, type PolicyRow } from '../policies/policy-row';

/**
 * Everything enforcers resolve against, read in one REPEATABLE READ transaction: the revision and
 * the state are of the same instant. Changes commit serially with their revision, so the state is
 * exactly the result of revisions 1..revision.
 */
@Injectable()
export class SnapshotService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async snapshot(): Promise<PolicySnapshot> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction('REPEATABLE READ');
      const revision = await sql<{ value: string }>(runner, 'SELECT value FROM control_revision');
      const policies = await sql<PolicyRow>(runner, 'SELECT * FROM policies ORDER BY id');
      const overrides = await sql<{ policy: Policy }>(runner, 'SELECT policy FROM overrides ORDER BY customer_id');
      const customers = await sql<{ id: string; tier: string }>(runner, 'SELECT id, tier FROM customers ORDER BY id');
      const blocks = await sql<BlockRow>(runner, `SELECT ${BLOCK_COLUMNS} FROM blocks WHERE expires_at > $1 ORDER BY id`, [this.clock.now()]);
      await runner.commitTransaction();
      // No prototype: a customer called "__proto__" is just a key.
      const assignments = Object.create(null) as Record<string, CustomerAssignment>;
      for (const { id, tier } of customers.rows) assignments[id] = { tier };
      return {
        revision: Number(revision.rows[0].value),
        policies: policies.rows.map(toPolicy),
        overrides: overrides.rows.map((row) => canonicalPolicy(row.policy)),
        customers: assignments,
        blocks: blocks.rows.map(toBlock),
      };
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch((rollbackError: unknown) => this.logger.warn({ err: rollbackError }, 'snapshot rollback failed'));
      throw error;
    } finally {
      await runner.release();
    }
  }
}
