import { IsDefined, IsIn } from 'class-validator';
import { ADMIN_BOUNDS, ADMIN_MESSAGES } from './admin-bounds';
import { IsPrintable } from './admin-validators';
import { API_KEY_ROLES, type ApiKeyRole } from './api-key-role';

/** `POST /v1/api-keys`. */
export class CreateApiKeyDto {
  /** What the key is for, e.g. "enforcer us-east" or "ci deploy". */
  @IsDefined({ message: 'is required' })
  @IsPrintable(ADMIN_BOUNDS.apiKeyNameMaxLength, { message: ADMIN_MESSAGES.apiKeyName })
  name!: string;

  @IsDefined({ message: 'is required' })
  @IsIn(API_KEY_ROLES, { message: ADMIN_MESSAGES.oneOf(API_KEY_ROLES) })
  role!: ApiKeyRole;
}
