import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { toFieldErrors } from '../control-plane/class-validator-errors';
import type { FieldError } from '../validation/field-error';
import { indexPath, isPlainObject } from '../validation/field-reader';
import type { ValidationResult } from '../validation/validation-result';
import { DECISION_EVENT_BOUNDS } from './decision-event-bounds';
import type { DecisionEvent, DecisionEventBatch } from './decision-event';
import { DecisionEventBatchDto } from './decision-event-batch.dto';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses and validates one decision-event batch as received (bytes or text). Every event must
 * come from the batch's region. Unknown fields are dropped, so a newer enforcer may add some.
 * Returns the typed batch, or every problem with its field path (`events[3].keyHash`).
 */
export function parseDecisionEventBatch(input: Uint8Array | string): ValidationResult<DecisionEventBatch> {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > DECISION_EVENT_BOUNDS.maxBatchBytes) return failure('', `must be at most ${DECISION_EVENT_BOUNDS.maxBatchBytes} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(typeof input === 'string' ? input : utf8.decode(input));
  } catch {
    return failure('', 'must be UTF-8 JSON');
  }
  if (!isPlainObject(raw)) return failure('', 'must be an object');
  const dto = plainToInstance(DecisionEventBatchDto, raw);
  const errors = validateSync(dto, {
    whitelist: true,
    forbidNonWhitelisted: false,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) return { ok: false, errors: toFieldErrors(errors) };

  const events: DecisionEvent[] = [];
  const problems: FieldError[] = [];
  dto.events.forEach((e, index) => {
    if (e.region !== dto.region) problems.push({ path: `${indexPath('events', index)}.region`, message: `must be the batch's region ${JSON.stringify(dto.region)}` });
    events.push({
      ts: e.ts,
      keyHash: e.keyHash,
      policyId: e.policyId,
      policyVersion: e.policyVersion,
      decision: e.decision,
      latencyMs: e.latencyMs,
      region: e.region,
      customerId: e.customerId,
      sampleRate: e.sampleRate,
    });
  });
  if (problems.length > 0) return { ok: false, errors: problems };
  return {
    ok: true,
    value: { schema: 1, region: dto.region, instanceId: dto.instanceId, bootId: dto.bootId, sequence: dto.sequence, sentAtMs: dto.sentAtMs, events },
  };
}

function failure(path: string, message: string): { ok: false; errors: FieldError[] } {
  return { ok: false, errors: [{ path, message }] };
}
