import { Injectable } from '@nestjs/common';
import type { AuditEntryView, AuditPageView } from '@rl/contracts';
import { DataSource } from 'typeorm';

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

/** Reads the append-only audit log, newest first, by keyset pages (`before` = the last id seen). */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  async page(query: { limit?: number; before?: number }): Promise<AuditPageView> {
    const limit = query.limit ?? DEFAULT_AUDIT_PAGE;
    const rows = (await this.dataSource.query('SELECT * FROM audit_log WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2', [
      query.before ?? null,
      limit + 1,
    ])) as AuditRow[];
    const items = rows.slice(0, limit).map(toView);
    return { items, nextBefore: rows.length > limit ? items[items.length - 1].id : null };
  }
}
