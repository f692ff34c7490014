import { Injectable } from '@nestjs/common';
import type { AuditEntryView, AuditPageView, AuditQueryDto } from '@rl/contracts';
import { DataSource } from 'typeorm';
import { InvalidInputError } from '../errors/api-errors';

interface AuditRow {
  id: string;
  at: Date;
  actor_key_id: string | null;
  actor_name: string;
  action: string;
  entity_type: string;
  entity_id: string;
  revision: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

function toView(row: AuditRow): AuditEntryView {
  return {
    id: Number(row.id),
    at: row.at.toISOString(),
    ...(row.actor_key_id === null ? {} : { actorKeyId: row.actor_key_id }),
    actorName: row.actor_name,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    ...(row.revision === null ? {} : { revision: Number(row.revision) }),
    before: row.before,
    after: row.after,
  };
}

export const DEFAULT_AUDIT_PAGE = 50;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads the append-only audit log, newest first, by keyset pages (`before` = the last id seen),
 * filtered by entity type and id, actor (key name, or key id when it is a UUID) and time range.
 * Every filter is a bound parameter; the SQL text never changes with the query.
 */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  async page(query: AuditQueryDto): Promise<AuditPageView> {
    const limit = query.limit ?? DEFAULT_AUDIT_PAGE;
    if (query.since !== undefined && query.until !== undefined && Date.parse(query.since) >= Date.parse(query.until)) {
      throw new InvalidInputError([{ path: 'since', message: 'must be before until' }]);
    }
    const actorKeyId = query.actor !== undefined && UUID.test(query.actor) ? query.actor.toLowerCase() : null;
    const rows = (await this.dataSource.query(
      `SELECT * FROM audit_log
       WHERE ($1::bigint IS NULL OR id < $1)
         AND ($2::text IS NULL OR entity_type = $2)
         AND ($3::text IS NULL OR entity_id = $3)
         AND ($4::text IS NULL OR actor_name = $4 OR actor_key_id = $5::uuid)
         AND ($6::timestamptz IS NULL OR at >= $6)
         AND ($7::timestamptz IS NULL OR at < $7)
       ORDER BY id DESC LIMIT $8`,
      [query.before ?? null, query.entity ?? null, query.entityId ?? null, query.actor ?? null, actorKeyId, query.since ?? null, query.until ?? null, limit + 1],
    )) as AuditRow[];
    const items = rows.slice(0, limit).map(toView);
    return { items, nextBefore: rows.length > limit ? items[items.length - 1].id : null };
  }
}
