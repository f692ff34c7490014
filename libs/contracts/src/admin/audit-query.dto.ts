import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ADMIN_BOUNDS, ADMIN_MESSAGES } from './admin-bounds';

/** `GET /v1/audit?limit=&before=`: newest first; pass the previous page's `nextBefore` to go on. */
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
}
