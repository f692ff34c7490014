import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, ValidateNested } from 'class-validator';
import { BlockView } from './block-view';

/** `GET /v1/blocks`: the active blocks, soonest expiry first. */
export class BlockListView {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => BlockView)
  items!: BlockView[];
}
