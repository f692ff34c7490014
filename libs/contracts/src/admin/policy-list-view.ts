import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, ValidateNested } from 'class-validator';
import { PolicyView } from './policy-view';

/** `GET /v1/policies`, ordered by id. */
export class PolicyListView {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PolicyView)
  items!: PolicyView[];
}
