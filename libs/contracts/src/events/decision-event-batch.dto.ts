import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, ValidateNested } from 'class-validator';
import { IsIntegerIn, SatisfiesRule } from '../control-plane/rule-decorators';
import { DECISION_EVENT_BOUNDS, EVENT_REGION_RULE, INSTANCE_ID_RULE } from './decision-event-bounds';
import { DecisionEventDto } from './decision-event.dto';
import { Required } from '../validation/field-decorators';

/** Random per enforcer start: 1 to 32 characters from [A-Za-z0-9]. */
export const BOOT_ID_RULE = { pattern: /^[A-Za-z0-9]{1,32}$/, hint: '1 to 32 characters from [A-Za-z0-9]' } as const;

/** The wire form of a DecisionEventBatch, validated on receipt by `parseDecisionEventBatch`. */
export class DecisionEventBatchDto {
  @Required()
  @IsIn([1], { message: 'must be 1' })
  schema!: 1;

  @Required()
  @SatisfiesRule(EVENT_REGION_RULE)
  region!: string;

  @Required()
  @SatisfiesRule(INSTANCE_ID_RULE)
  instanceId!: string;

  @Required()
  @SatisfiesRule(BOOT_ID_RULE)
  bootId!: string;

  @Required()
  @IsIntegerIn(DECISION_EVENT_BOUNDS.sequence)
  sequence!: number;

  @Required()
  @IsIntegerIn(DECISION_EVENT_BOUNDS.timeMs)
  sentAtMs!: number;

  @Required()
  // class-validator checks the lowest rule first (stopAtFirstError): the type before the sizes.
  @ArrayMaxSize(DECISION_EVENT_BOUNDS.maxEventsPerBatch, { message: `must hold at most ${DECISION_EVENT_BOUNDS.maxEventsPerBatch} events` })
  @ArrayMinSize(1, { message: 'must hold at least one event' })
  @IsArray({ message: 'must be an array' })
  @ValidateNested({ each: true })
  @Type(() => DecisionEventDto)
  events!: DecisionEventDto[];
}
