import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, ValidateNested } from 'class-validator';
import { TierView } from './tier-view';

/** `GET /v1/tiers`, ordered by id. */
export class TierListView {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TierView)
  items!: TierView[];
}
