import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, ValidateNested } from 'class-validator';
import { AuditEntryView } from './audit-entry-view';

/** `GET /v1/audit`: newest first. */
export class AuditPageView {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AuditEntryView)
  items!: AuditEntryView[];

  /** Pass as `before` for the next page; `null` on the last page. */
  @IsOptional()
  @IsInt()
  nextBefore!: number | null;
}
