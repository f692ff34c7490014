import { IsTierDescription } from './tier-description';
import { Required } from '../validation/field-decorators';

/** `PUT /v1/tiers/{id}`: creates the tier or replaces its description. */
export class ReplaceTierDto {
  @Required()
  @IsTierDescription()
  description!: string;
}
