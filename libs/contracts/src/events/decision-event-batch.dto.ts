import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, ValidateNested } from 'class-validator';
import { IsIntegerIn, SatisfiesRule } from '../control-plane/rule-decorators';
import { DECISION_EVENT_BOUNDS, EVENT_REGION_RULE, INSTANCE_ID_RULE } from './decision-event-bounds';
import { DecisionEventDto } from './decision-event.dto';
import { Required } from '../validation/field-decorators';
import type { FieldError } from '../validation/field-error';
import { indexPath } from '../validation/field-reader';
import { parseMessage } from '../validation/parse-message';
import type { ValidationResult } from '../validation/validation-result';

/** Random per enforcer start: 1 to 32 characters from [A-Za-z0-9]. */
export const BOOT_ID_RULE = { pattern: /^[A-Za-z0-9]{1,32}$/, hint: '1 to 32 characters from [A-Za-z0-9]' } as const;

/**
 * One NATS message on `<ns>.events.decisions.<region>`: many events of one enforcer instance.
 * `(region, instanceId, bootId, sequence)` names the batch uniquely, so a consumer can drop
 * redeliveries. Every event must come from the batch's region. The class is the type, the
 * validation (on receipt: parseDecisionEventBatch) and the wire form.
 */
export class DecisionEventBatchDto {
  static readonly maxBytes = DECISION_EVENT_BOUNDS.maxBatchBytes;

  static crossFieldErrors(batch: DecisionEventBatchDto): FieldError[] {
    const errors: FieldError[] = [];
    batch.events.forEach((e, index) => {
      if (e.region !== batch.region) errors.push({ path: `${indexPath('events', index)}.region`, message: `must be the batch's region ${JSON.stringify(batch.region)}` });
    });
    return errors;
  }

  @Required()
  @IsIn([1], { message: 'must be 1' })
  readonly schema!: 1;

  @Required()
  @SatisfiesRule(EVENT_REGION_RULE)
  readonly region!: string;

  @Required()
  @SatisfiesRule(INSTANCE_ID_RULE)
  readonly instanceId!: string;

  /** Random per process start, so sequences of a restarted instance do not collide. */
  @Required()
  @SatisfiesRule(BOOT_ID_RULE)
  readonly bootId!: string;

  /** Per (instanceId, bootId), from 0. */
  @Required()
  @IsIntegerIn(DECISION_EVENT_BOUNDS.sequence)
  readonly sequence!: number;

  @Required()
  @IsIntegerIn(DECISION_EVENT_BOUNDS.timeMs)
  readonly sentAtMs!: number;

  @Required()
  // class-validator checks the lowest rule first (stopAtFirstError): the type before the sizes.
  @ArrayMaxSize(DECISION_EVENT_BOUNDS.maxEventsPerBatch, { message: `must hold at most ${DECISION_EVENT_BOUNDS.maxEventsPerBatch} events` })
  @ArrayMinSize(1, { message: 'must hold at least one event' })
  @IsArray({ message: 'must be an array' })
  @ValidateNested({ each: true })
  @Type(() => DecisionEventDto)
  readonly events!: readonly DecisionEventDto[];
}

export type DecisionEventBatch = DecisionEventBatchDto;

/** One decision-event batch as received (bytes or text): the batch, or every problem with its field path (`events[3].keyHash`). */
export function parseDecisionEventBatch(input: Uint8Array | string): ValidationResult<DecisionEventBatch> {
  return parseMessage(DecisionEventBatchDto, input);
}
