import type { QueryRunner } from 'typeorm';
import type { Actor } from '../auth/principal';
import { sql } from '../database/sql';

/** One audit record: who did what to which entity, with its state before and after. */
export interface AuditEntry {
  readonly actor: Actor;
  /** `<entity>.<verb>`, e.g. `policy.updated`, `api_key.revoked`. */
  readonly action: string;
  readonly entityType: 'policy' | 'customer' | 'override' | 'api_key' | 'block' | 'envoy_domain' | 'tier' | 'counter';
  readonly entityId: string;
  /** The control-plane revision, for changes enforcers receive. */
  readonly revision?: number;
  readonly before: object | null;
  readonly after: object | null;
}

/** Appends to audit_log inside the caller's transaction; the table takes no UPDATE or DELETE. */
export async function writeAudit(runner: QueryRunner, entry: AuditEntry): Promise<void> {
  await sql(
    runner,
    `INSERT INTO audit_log (actor_key_id, actor_name, action, entity_type, entity_id, revision, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      entry.actor.keyId ?? null,
      entry.actor.name,
      entry.action,
      entry.entityType,
      entry.entityId,
      entry.revision ?? null,
      entry.before === null ? null : JSON.stringify(entry.before),
      entry.after === null ? null : JSON.stringify(entry.after),
    ],
  );
}
