import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, ValidateNested } from 'class-validator';
import { ApiKeyView } from './api-key-view';

/** `GET /v1/api-keys`, oldest first, revoked keys included. */
export class ApiKeyListView {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ApiKeyView)
  items!: ApiKeyView[];
}
