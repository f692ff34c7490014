import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, ValidateNested } from 'class-validator';
import { OverrideView } from './override-view';

/** `GET /admin/limits`, ordered by customer id. */
export class OverrideListView {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OverrideView)
  items!: OverrideView[];
}
