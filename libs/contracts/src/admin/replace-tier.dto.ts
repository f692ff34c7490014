import { IsDefined } from 'class-validator';
import { IsTierDescription } from './tier-description';

/** `PUT /v1/tiers/{id}`: creates the tier or replaces its description. */
export class ReplaceTierDto {
  @IsDefined({ message: 'is required' })
  @IsTierDescription()
  description!: string;
}
