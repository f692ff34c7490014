import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsDefined, IsIn, ValidateNested } from 'class-validator';
import { IsIntegerIn, SatisfiesRule } from '../control-plane/rule-decorators';
import { AllocationWindowDto } from './allocation-window.dto';
import { GLOBAL_BOUNDS, GLOBAL_SCHEMA_VERSION } from './global-bounds';
import { GLOBAL_REGION_PATTERN } from './subjects';

/** The wire form of an AllocationUpdate, validated on receipt by `parseAllocationUpdate`. */
export class AllocationUpdateDto {
  @IsDefined({ message: 'is required' })
  @IsIn([GLOBAL_SCHEMA_VERSION], { message: `must be ${GLOBAL_SCHEMA_VERSION}` })
  schema!: 1;

  @IsDefined({ message: 'is required' })
  @IsIntegerIn(GLOBAL_BOUNDS.epoch)
  epoch!: number;

  @IsDefined({ message: 'is required' })
  @SatisfiesRule({ pattern: GLOBAL_REGION_PATTERN, hint: 'a region name of 1 to 32 characters from [a-z0-9-]' })
  region!: string;

  @IsDefined({ message: 'is required' })
  @IsIntegerIn(GLOBAL_BOUNDS.timeMs)
  issuedAtMs!: number;

  @IsDefined({ message: 'is required' })
  @IsIntegerIn(GLOBAL_BOUNDS.leaseSeconds)
  leaseSeconds!: number;

  @IsDefined({ message: 'is required' })
  @IsArray({ message: 'must be an array' })
  @ValidateNested({ each: true })
  @Type(() => AllocationWindowDto)
  windows!: AllocationWindowDto[];
}
