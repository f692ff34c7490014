import 'reflect-metadata';
import { IsIn, IsISO8601, IsUUID, ValidateBy } from 'class-validator';
import { IsPrintable } from '../admin/admin-validators';
import { BLOCK_BOUNDS, BLOCK_SOURCES, BLOCK_TYPES, blockValueProblem, type BlockSource, type BlockType } from './block';
import { Required } from '../validation/field-decorators';

/** `value` valid for the object's `type` (an unknown type is reported on `type` instead). */
export function IsBlockValue(): PropertyDecorator {
  return ValidateBy({
    name: 'isBlockValue',
    validator: {
      validate: (value: unknown, args) => {
        const type = (args?.object as { type?: unknown }).type;
        return !(BLOCK_TYPES as readonly unknown[]).includes(type) || blockValueProblem(type as BlockType, value) === undefined;
      },
      defaultMessage: (args) => blockValueProblem((args?.object as { type: BlockType }).type, args?.value) ?? 'is invalid',
    },
  });
}

/**
 * One active block as enforcers receive it: `block` of a `block.added` change, and one entry of a
 * snapshot's `blocks`. The class is the type and the validation.
 */
export class BlockDto {
  /** UUID assigned by the policy service. */
  @Required()
  @IsUUID('all', { message: 'must be a UUID' })
  readonly id!: string;

  @Required()
  @IsIn(BLOCK_TYPES, { message: `must be one of ${BLOCK_TYPES.join(', ')}` })
  readonly type!: BlockType;

  @Required()
  @IsBlockValue()
  readonly value!: string;

  /** ISO-8601; the block stops applying at this instant. */
  @Required()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'must be an ISO-8601 date-time' })
  readonly expiresAt!: string;

  @Required()
  @IsPrintable(BLOCK_BOUNDS.reasonMaxLength, { message: `must be 1 to ${BLOCK_BOUNDS.reasonMaxLength} printable characters` })
  readonly reason!: string;

  @Required()
  @IsIn(BLOCK_SOURCES, { message: `must be one of ${BLOCK_SOURCES.join(', ')}` })
  readonly source!: BlockSource;
}

export type Block = BlockDto;
