import { IsIn, IsString, IsUUID } from 'class-validator';
import { API_KEY_ROLES, type ApiKeyRole } from './api-key-role';

/** `GET /v1/whoami`: the API key a request authenticated with, so a client can offer only what its role may do. */
export class WhoAmIView {
  @IsUUID()
  keyId!: string;

  @IsString()
  name!: string;

  @IsIn(API_KEY_ROLES)
  role!: ApiKeyRole;
}
