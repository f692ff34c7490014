import { IsIn } from 'class-validator';
import { ADMIN_BOUNDS, ADMIN_MESSAGES } from './admin-bounds';
import { IsPrintable } from './admin-validators';
import { API_KEY_ROLES, type ApiKeyRole } from './api-key-role';
import { Required } from '../validation/field-decorators';

/** `POST /v1/api-keys`. */
export class CreateApiKeyDto {
  /** What the key is for, e.g. "enforcer us-east" or "ci deploy". */
  @Required()
  @IsPrintable(ADMIN_BOUNDS.apiKeyNameMaxLength, { message: ADMIN_MESSAGES.apiKeyName })
  name!: string;

  @Required()
  @IsIn(API_KEY_ROLES, { message: ADMIN_MESSAGES.oneOf(API_KEY_ROLES) })
  role!: ApiKeyRole;
}
