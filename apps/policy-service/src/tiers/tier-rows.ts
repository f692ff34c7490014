import type { ChangeTransaction } from '../changes/change-log';
import { writeAudit } from '../changes/audit-writer';

/** A row of `tiers`. */
export interface TierRow {
  id: string;
  description: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const TIER_COLUMNS = 'id, description, version, created_at, updated_at';

/** What the audit log records of a tier: the row, without the counts that other entities make up. */
export function tierRecord(row: TierRow): { id: string; description: string; version: number; updatedAt: string } {
  return { id: row.id, description: row.description, version: row.version, updatedAt: row.updated_at.toISOString() };
}

/** The tier row, locked for the rest of the change; `undefined` when there is none. */
export async function lockTier(tx: ChangeTransaction, id: string): Promise<TierRow | undefined> {
  const { rows } = await tx.query<TierRow>(`SELECT ${TIER_COLUMNS} FROM tiers WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0];
}

/**
 * Makes sure a tier that a policy matches exists: a policy naming a new tier creates it (empty
 * description, audited as `tier.created` by the same actor), so `POST /v1/policies` keeps
 * accepting any tier name while every tier in use is a row the console and `GET /v1/tiers` list.
 */
export async function ensureTierForPolicy(tx: ChangeTransaction, tier: string | undefined): Promise<void> {
  if (tier === undefined) return;
  const { rows } = await tx.query<TierRow>(`INSERT INTO tiers (id) VALUES ($1) ON CONFLICT (id) DO NOTHING RETURNING ${TIER_COLUMNS}`, [tier]);
  if (rows.length === 0) return;
  await writeAudit(tx.runner, { actor: tx.actor, action: 'tier.created', entityType: 'tier', entityId: tier, before: null, after: tierRecord(rows[0]) });
}
