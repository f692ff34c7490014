import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsDefined, IsISO8601, IsObject, ValidateNested } from 'class-validator';
import { PolicyChangeDto } from './policy-change.dto';
import { IsIntegerIn } from './rule-decorators';

/** The wire form of a PolicyChangeMessage, validated on receipt by `parsePolicyChangeMessage`. */
export class PolicyChangeMessageDto {
  @IsDefined({ message: 'is required' })
  @IsIntegerIn({ min: 1, max: Number.MAX_SAFE_INTEGER })
  revision!: number;

  @IsDefined({ message: 'is required' })
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'must be an ISO-8601 date-time' })
  committedAt!: string;

  @IsDefined({ message: 'is required' })
  @IsObject({ message: 'must be an object' })
  @ValidateNested()
  @Type(() => PolicyChangeDto)
  change!: PolicyChangeDto;
}
