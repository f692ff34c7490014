import { IsIn, IsISO8601, IsOptional, IsString, IsUUID } from 'class-validator';
import { API_KEY_ROLES, type ApiKeyRole } from './api-key-role';

/** An admin API key as listed: never its token or hash. */
export class ApiKeyView {
  @IsUUID()
  id!: string;

  @IsString()
  name!: string;

  @IsIn(API_KEY_ROLES)
  role!: ApiKeyRole;

  @IsISO8601()
  createdAt!: string;

  /** Set once the key is revoked; a revoked key authenticates nothing. */
  @IsOptional()
  @IsISO8601()
  revokedAt?: string | null;
}
