import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';
import { ADMIN_BOUNDS, ADMIN_MESSAGES } from './admin-bounds';
import { IsPrintable } from './admin-validators';
import { AUDIT_ENTITY_TYPES, type AuditEntityType } from './audit-entity-type';

/**
 * `GET /v1/audit?entity=&entityId=&actor=&since=&until=&limit=&before=`: newest first; every
 * given filter must match. Pass the previous page's `nextBefore` as `before` to go on.
 */
export class AuditQueryDto {
  /** Entries per page, 1..500 (default 50). */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: ADMIN_MESSAGES.auditLimit })
  @Min(1, { message: ADMIN_MESSAGES.auditLimit })
  @Max(ADMIN_BOUNDS.auditPageMax, { message: ADMIN_MESSAGES.auditLimit })
  limit?: number;

  /** Only entries with a smaller id. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: ADMIN_MESSAGES.auditBefore })
  @Min(1, { message: ADMIN_MESSAGES.auditBefore })
  @Max(Number.MAX_SAFE_INTEGER, { message: ADMIN_MESSAGES.auditBefore })
  before?: number;

  /** Only entries about this kind of entity (`entityType`). */
  @IsOptional()
  @IsIn(AUDIT_ENTITY_TYPES, { message: ADMIN_MESSAGES.oneOf(AUDIT_ENTITY_TYPES) })
  entity?: AuditEntityType;

  /** Only entries about the entity with this id (a policy id, customer id, tier, block or key id). */
  @IsOptional()
  @IsPrintable(ADMIN_BOUNDS.auditFilterMaxLength, { message: ADMIN_MESSAGES.auditText })
  entityId?: string;

  /** Only entries by this actor: an API key's name (`actorName`) or id (`actorKeyId`). */
  @IsOptional()
  @IsPrintable(ADMIN_BOUNDS.auditFilterMaxLength, { message: ADMIN_MESSAGES.auditText })
  actor?: string;

  /** Only entries at or after this instant (ISO-8601). */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: ADMIN_MESSAGES.auditTime })
  since?: string;

  /** Only entries before this instant (ISO-8601). */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: ADMIN_MESSAGES.auditTime })
  until?: string;
}
