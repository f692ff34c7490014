import { IsInt, IsISO8601, IsObject, IsOptional, IsString, IsUUID, Min } from 'class-validator';

/** One append-only audit record: who changed what, with the state before and after. */
export class AuditEntryView {
  @IsInt()
  @Min(1)
  id!: number;

  @IsISO8601()
  at!: string;

  /** The API key that acted; absent for the service itself (ADMIN_TOKEN bootstrap). */
  @IsOptional()
  @IsUUID()
  actorKeyId?: string;

  @IsString()
  actorName!: string;

  /** e.g. `policy.created`, `override.set`, `api_key.revoked`. */
  @IsString()
  action!: string;

  @IsString()
  entityType!: string;

  @IsString()
  entityId!: string;

  /** The control-plane revision of a change that enforcers receive. */
  @IsOptional()
  @IsInt()
  revision?: number;

  @IsOptional()
  @IsObject()
  before?: Record<string, unknown> | null;

  @IsOptional()
  @IsObject()
  after?: Record<string, unknown> | null;
}
