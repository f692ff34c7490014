import { Injectable } from '@nestjs/common';
import { validatePolicy, windowToSeconds, type OverrideView, type Policy, type SetLimitDto } from '@rl/contracts';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/principal';
import { ChangeLog } from '../changes/change-log';
import { NotFoundError, RuleViolationError } from '../errors/api-errors';
import { canonicalPolicy } from '../policies/policy-row';
import { overridePolicyId } from './override-policy-id';

interface OverrideRow {
  customer_id: string;
  policy: Policy;
  limit: number;
  window_seconds: number;
  version: number;
  updated_at: Date;
}

const COLUMNS = 'customer_id, policy, "limit", window_seconds, version, updated_at';

function toView(row: OverrideRow): OverrideView {
  return { customer_id: row.customer_id, limit: row.limit, window: row.window_seconds, policy: canonicalPolicy(row.policy), updatedAt: row.updated_at.toISOString() };
}

/**
 * Per-customer overrides (`PUT /admin/limits`): a policy matching exactly one customer id, which
 * wins over every other policy. Setting one replaces the previous; its version counts up.
 */
@Injectable()
export class OverridesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: ChangeLog,
  ) {}

  async list(): Promise<OverrideView[]> {
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM overrides ORDER BY customer_id`)) as OverrideRow[];
    return rows.map(toView);
  }

  async get(customerId: string): Promise<OverrideView> {
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM overrides WHERE customer_id = $1`, [customerId])) as OverrideRow[];
    if (rows.length === 0) throw new NotFoundError(`no override for customer ${customerId}`);
    return toView(rows[0]);
  }

  async set(actor: Actor, input: SetLimitDto): Promise<OverrideView & { revision: number }> {
    const windowSeconds = windowToSeconds(input.window);
    if (windowSeconds === undefined) throw new RuleViolationError([{ path: 'window', message: 'is not a window' }]);
    return this.changes.commit(actor, async (tx) => {
      const before = await tx.query<OverrideRow>(`SELECT ${COLUMNS} FROM overrides WHERE customer_id = $1 FOR UPDATE`, [input.customer_id]);
      const version = before.rowCount === 0 ? 1 : before.rows[0].version + 1;
      const result = validatePolicy({
        id: overridePolicyId(input.customer_id),
        match: { customerId: input.customer_id },
        algorithm: input.algorithm ?? 'token_bucket',
        limit: input.limit,
        windowSeconds,
        burst: input.burst,
        scope: input.scope,
        failureMode: input.failureMode,
        mode: input.mode,
        version,
      });
      if (!result.ok) throw new RuleViolationError(result.errors);
      const policy = result.value;
      const { rows } = await tx.query<OverrideRow>(
        `INSERT INTO overrides (customer_id, policy_id, "limit", window_seconds, policy, version) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (customer_id) DO UPDATE SET "limit" = EXCLUDED."limit", window_seconds = EXCLUDED.window_seconds,
           policy = EXCLUDED.policy, version = EXCLUDED.version, updated_at = now()
         RETURNING ${COLUMNS}`,
        [input.customer_id, policy.id, policy.limit, policy.windowSeconds, JSON.stringify(policy), version],
      );
      const view = toView(rows[0]);
      const revision = await tx.record({
        change: { kind: 'override.upserted', customerId: input.customer_id, policy },
        action: 'override.set',
        entityType: 'override',
        entityId: input.customer_id,
        before: before.rowCount === 0 ? null : toView(before.rows[0]),
        after: view,
      });
      return { ...view, revision };
    });
  }

  async remove(actor: Actor, customerId: string): Promise<number> {
    return this.changes.commit(actor, async (tx) => {
      const { rows } = await tx.query<OverrideRow>(`DELETE FROM overrides WHERE customer_id = $1 RETURNING ${COLUMNS}`, [customerId]);
      if (rows.length === 0) throw new NotFoundError(`no override for customer ${customerId}`);
      return tx.record({
        change: { kind: 'override.deleted', customerId },
        action: 'override.deleted',
        entityType: 'override',
        entityId: customerId,
        before: toView(rows[0]),
        after: null,
      });
    });
  }
}
