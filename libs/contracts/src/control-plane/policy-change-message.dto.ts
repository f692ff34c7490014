import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsISO8601, IsObject, ValidateNested } from 'class-validator';
import { PolicyChangeDto } from './policy-change.dto';
import { IsIntegerIn } from './rule-decorators';
import { Required } from '../validation/field-decorators';

/** The wire form of a PolicyChangeMessage, validated on receipt by `parsePolicyChangeMessage`. */
export class PolicyChangeMessageDto {
  /** Larger payloads are rejected before parsing (NATS' default max_payload is 1 MiB too). */
  static readonly maxBytes = 1_048_576;

  @Required()
  @IsIntegerIn({ min: 1, max: Number.MAX_SAFE_INTEGER })
  revision!: number;

  @Required()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'must be an ISO-8601 date-time' })
  committedAt!: string;

  @Required()
  @IsObject({ message: 'must be an object' })
  @ValidateNested()
  @Type(() => PolicyChangeDto)
  change!: PolicyChangeDto;
}
