import { Injectable } from '@nestjs/common';
import type { Policy, TierView } from '@rl/contracts';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/principal';
import { writeAudit } from '../changes/audit-writer';
import { ChangeLog } from '../changes/change-log';
import { ConflictError, NotFoundError } from '../errors/api-errors';
import { toPolicy, type PolicyRow } from '../policies/policy-row';
import { lockTier, TIER_COLUMNS, tierRecord, type TierRow } from './tier-rows';

interface TierWithCount extends TierRow {
  customer_count: string;
}

function toView(row: TierRow, customerCount: number, policies: readonly Policy[]): TierView {
  return {
    id: row.id,
    description: row.description,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    customerCount,
    policies: [...policies],
  };
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Tiers: what customers are assigned to and tier policies match. Enforcers never see them (a
 * customer's tier and a policy's `match.customerTier` are enough to resolve), so their changes take
 * no revision; they commit through ChangeLog all the same, serialised with the customer and
 * policy changes they are checked against, and each is audited. A tier that customers or
 * policies use cannot be deleted.
 */
@Injectable()
export class TiersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: ChangeLog,
  ) {}

  async list(): Promise<TierView[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${TIER_COLUMNS}, (SELECT count(*) FROM customers c WHERE c.tier = t.id) AS customer_count FROM tiers t ORDER BY id`,
    )) as TierWithCount[];
    const policies = await this.policiesByTier();
    return rows.map((row) => toView(row, Number(row.customer_count), policies.get(row.id) ?? []));
  }

  async get(id: string): Promise<TierView> {
    const rows = (await this.dataSource.query(
      `SELECT ${TIER_COLUMNS}, (SELECT count(*) FROM customers c WHERE c.tier = t.id) AS customer_count FROM tiers t WHERE id = $1`,
      [id],
    )) as TierWithCount[];
    if (rows.length === 0) throw new NotFoundError(`no tier ${id}`);
    const policies = await this.policiesByTier(id);
    return toView(rows[0], Number(rows[0].customer_count), policies.get(id) ?? []);
  }

  async create(actor: Actor, input: { id: string; description?: string }): Promise<TierView> {
    await this.changes.commit(actor, async (tx) => {
      if ((await lockTier(tx, input.id)) !== undefined) throw new ConflictError(`tier ${input.id} exists already: change it with PUT /v1/tiers/${input.id}`);
      const { rows } = await tx.query<TierRow>(`INSERT INTO tiers (id, description) VALUES ($1, $2) RETURNING ${TIER_COLUMNS}`, [input.id, input.description ?? '']);
      await writeAudit(tx.runner, { actor, action: 'tier.created', entityType: 'tier', entityId: input.id, before: null, after: tierRecord(rows[0]) });
    });
    return this.get(input.id);
  }

  /** Creates the tier, or replaces its description (a new version). */
  async replace(actor: Actor, input: { id: string; description: string }): Promise<TierView> {
    await this.changes.commit(actor, async (tx) => {
      const before = await lockTier(tx, input.id);
      const { rows } = await tx.query<TierRow>(
        `INSERT INTO tiers (id, description) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET description = EXCLUDED.description, version = tiers.version + 1, updated_at = now()
         RETURNING ${TIER_COLUMNS}`,
        [input.id, input.description],
      );
      await writeAudit(tx.runner, {
        actor,
        action: before === undefined ? 'tier.created' : 'tier.updated',
        entityType: 'tier',
        entityId: input.id,
        before: before === undefined ? null : tierRecord(before),
        after: tierRecord(rows[0]),
      });
    });
    return this.get(input.id);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.changes.commit(actor, async (tx) => {
      const before = await lockTier(tx, id);
      if (before === undefined) throw new NotFoundError(`no tier ${id}`);
      const customers = await tx.query<{ n: string }>('SELECT count(*) AS n FROM customers WHERE tier = $1', [id]);
      const policies = await tx.query<{ id: string }>(`SELECT id FROM policies WHERE match->>'customerTier' = $1 ORDER BY id`, [id]);
      const customerCount = Number(customers.rows[0].n);
      if (customerCount > 0 || policies.rows.length > 0) {
        const users: string[] = [];
        if (customerCount > 0) users.push(count(customerCount, 'customer', 'customers'));
        if (policies.rows.length > 0) users.push(`${count(policies.rows.length, 'policy', 'policies')} (${policies.rows.map((p) => p.id).join(', ')})`);
        throw new ConflictError(`tier ${id} is in use by ${users.join(' and ')}: assign those customers another tier and delete or change those policies first`);
      }
      await tx.query('DELETE FROM tiers WHERE id = $1', [id]);
      await writeAudit(tx.runner, { actor, action: 'tier.deleted', entityType: 'tier', entityId: id, before: tierRecord(before), after: null });
    });
  }

  /** Current tier policies, by tier, each list ordered by policy id. */
  private async policiesByTier(tier?: string): Promise<Map<string, Policy[]>> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM policies WHERE match->>'customerTier' IS NOT NULL AND ($1::text IS NULL OR match->>'customerTier' = $1) ORDER BY id`,
      [tier ?? null],
    )) as PolicyRow[];
    const byTier = new Map<string, Policy[]>();
    for (const row of rows) {
      const policy = toPolicy(row);
      const key = policy.match.customerTier as string;
      const list = byTier.get(key) ?? [];
      list.push(policy);
      byTier.set(key, list);
    }
    return byTier;
  }
}
