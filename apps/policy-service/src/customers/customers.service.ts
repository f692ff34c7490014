import { Injectable } from '@nestjs/common';
import type { CustomerView } from '@rl/contracts';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/principal';
import { ChangeLog } from '../changes/change-log';
import { NotFoundError, RuleViolationError } from '../errors/api-errors';
import { lockTier } from '../tiers/tier-rows';

interface CustomerRow {
  id: string;
  tier: string;
  version: number;
  updated_at: Date;
}

function toView(row: CustomerRow): CustomerView {
  return { id: row.id, tier: row.tier, version: row.version, updatedAt: row.updated_at.toISOString() };
}

/**
 * Customer-to-tier assignments; each change reaches enforcers as `customer.upserted` /
 * `customer.deleted`. A customer can only be assigned a tier that exists (422 naming `tier`).
 */
@Injectable()
export class CustomersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: ChangeLog,
  ) {}

  async list(): Promise<CustomerView[]> {
    const rows = (await this.dataSource.query('SELECT id, tier, version, updated_at FROM customers ORDER BY id')) as CustomerRow[];
    return rows.map(toView);
  }

  async get(id: string): Promise<CustomerView> {
    const rows = (await this.dataSource.query('SELECT id, tier, version, updated_at FROM customers WHERE id = $1', [id])) as CustomerRow[];
    if (rows.length === 0) throw new NotFoundError(`no customer ${id}`);
    return toView(rows[0]);
  }

  async assignTier(actor: Actor, request: { id: string; tier: string }): Promise<{ customer: CustomerView; revision: number }> {
    return this.changes.commit(actor, async (tx) => {
      if ((await lockTier(tx, request.tier)) === undefined) {
        throw new RuleViolationError([{ path: 'tier', message: `must be an existing tier: "${request.tier}" is not one (create it with POST /v1/tiers; GET /v1/tiers lists them)` }]);
      }
      const before = await tx.query<CustomerRow>('SELECT id, tier, version, updated_at FROM customers WHERE id = $1 FOR UPDATE', [request.id]);
      const { rows } = await tx.query<CustomerRow>(
        `INSERT INTO customers (id, tier, version) VALUES ($1, $2, 1)
         ON CONFLICT (id) DO UPDATE SET tier = EXCLUDED.tier, version = customers.version + 1, updated_at = now()
         RETURNING id, tier, version, updated_at`,
        [request.id, request.tier],
      );
      const customer = toView(rows[0]);
      const revision = await tx.record({
        change: { kind: 'customer.upserted', customerId: customer.id, assignment: { tier: customer.tier } },
        action: before.rowCount === 0 ? 'customer.created' : 'customer.updated',
        entityType: 'customer',
        entityId: customer.id,
        before: before.rowCount === 0 ? null : toView(before.rows[0]),
        after: customer,
      });
      return { customer, revision };
    });
  }

  async remove(actor: Actor, id: string): Promise<number> {
    return this.changes.commit(actor, async (tx) => {
      const { rows } = await tx.query<CustomerRow>('DELETE FROM customers WHERE id = $1 RETURNING id, tier, version, updated_at', [id]);
      if (rows.length === 0) throw new NotFoundError(`no customer ${id}`);
      return tx.record({
        change: { kind: 'customer.deleted', customerId: id },
        action: 'customer.deleted',
        entityType: 'customer',
        entityId: id,
        before: toView(rows[0]),
        after: null,
      });
    });
  }
}
