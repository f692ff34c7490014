import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { toFieldErrors } from '../control-plane/class-validator-errors';
import type { FieldError } from './field-error';
import { isPlainObject } from './field-reader';
import type { ValidationResult } from './validation-result';

/**
 * A message class: the class-validator DTO that is also the message's type, so each message is
 * described once. Its static members say what the field decorators cannot.
 */
export interface MessageClass<T extends object> {
  new (): T;
  /** Inputs larger than this many bytes are refused before parsing. */
  readonly maxBytes: number;
  /** Builds the instance to validate from the parsed JSON object; class-transformer's plainToInstance when absent. */
  fromPlain?(plain: Record<string, unknown>): T;
  /** Rules across fields, checked once every field is valid; it may also finish the instance (what fromPlain set aside). */
  crossFieldErrors?(value: T): FieldError[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function fieldFailure(path: string, message: string): { ok: false; errors: FieldError[] } {
  return { ok: false, errors: [{ path, message }] };
}

/**
 * Parses and validates one message as received (bytes or text): an instance of `dto`, or every
 * problem with its field path (`windows[0].keys`), one per field (its most basic one: `is required`
 * before `must be ...`). Fields the class does not declare are dropped, so a newer sender may add
 * some.
 */
export function parseMessage<T extends object>(dto: MessageClass<T>, input: Uint8Array | string): ValidationResult<T> {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > dto.maxBytes) return fieldFailure('', `must be at most ${dto.maxBytes} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(typeof input === 'string' ? input : utf8.decode(input));
  } catch {
    return fieldFailure('', 'must be UTF-8 JSON');
  }
  if (!isPlainObject(raw)) return fieldFailure('', 'must be an object');
  const instance = dto.fromPlain?.(raw) ?? plainToInstance(dto, raw);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: false,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) return { ok: false, errors: toFieldErrors(errors) };
  const crossField = dto.crossFieldErrors?.(instance) ?? [];
  return crossField.length > 0 ? { ok: false, errors: crossField } : { ok: true, value: instance };
}
