import { IsString } from 'class-validator';
import { ApiKeyView } from './api-key-view';

/** `POST /v1/api-keys`: the only response that ever carries the token. Only its SHA-256 is stored. */
export class CreatedApiKeyView extends ApiKeyView {
  /** Send as `Authorization: Bearer <token>`. */
  @IsString()
  token!: string;
}
