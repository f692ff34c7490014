import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, ValidateNested } from 'class-validator';
import { BLOCK_BOUNDS, BLOCK_SOURCES, BLOCK_TYPES, type BlockSource, type BlockType } from '../control-plane/block';
import { IsBlockValue } from '../control-plane/block.dto';
import { IsIntegerIn } from '../control-plane/rule-decorators';
import { ADMIN_MESSAGES } from './admin-bounds';
import { IsPrintable } from './admin-validators';
import { BLOCK_DENIALS_MAX, BlockDenialDto } from './block-denial.dto';
import { Required } from '../validation/field-decorators';

/**
 * `POST /v1/blocks`: blocks every check whose exact `key`, `customerId` or IP (`ip`, or a `key`
 * that is an IP address) matches, for `ttlSeconds`. `value` is checked against `type`: a key or
 * customer id as the check endpoint accepts it, an IPv4/IPv6 address, or an IPv4/IPv6 CIDR range.
 */
export class CreateBlockDto {
  @Required()
  @IsIn(BLOCK_TYPES, { message: ADMIN_MESSAGES.oneOf(BLOCK_TYPES) })
  type!: BlockType;

  @Required()
  @IsBlockValue()
  value!: string;

  @Required()
  @IsIntegerIn({ min: BLOCK_BOUNDS.ttlSecondsMin, max: BLOCK_BOUNDS.ttlSecondsMax })
  ttlSeconds!: number;

  @Required()
  @IsPrintable(BLOCK_BOUNDS.reasonMaxLength, { message: `must be 1 to ${BLOCK_BOUNDS.reasonMaxLength} printable characters` })
  reason!: string;

  /**
   * `automatic` when an enforcer's escalation creates it (only a key of the `enforcer` role may);
   * `operator` (the default) otherwise.
   */
  @IsOptional()
  @IsIn(BLOCK_SOURCES, { message: ADMIN_MESSAGES.oneOf(BLOCK_SOURCES) })
  source?: BlockSource;

  /**
   * Required (`true`) for a CIDR range wider than the service's minimum prefix (by default /8 for
   * IPv4 and /32 for IPv6; `0.0.0.0/0` and `::/0` always): such a block stops a large part of all
   * traffic.
   */
  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  confirm?: boolean;
  /** For an automatic block: the denials that caused it (at most 50), shown with the block. */
  @IsOptional()
  @ValidateNested({ each: true })
  @ArrayMaxSize(BLOCK_DENIALS_MAX, { message: `must hold at most ${BLOCK_DENIALS_MAX} denials` })
  @IsArray({ message: 'must be an array' })
  @Type(() => BlockDenialDto)
  denials?: BlockDenialDto[];
}
