import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';
import { toFieldErrors } from '../control-plane/class-validator-errors';
import type { FieldError } from '../validation/field-error';
import { isPlainObject } from '../validation/field-reader';
import type { ValidationResult } from '../validation/validation-result';
import { GLOBAL_BOUNDS } from './global-bounds';
import { globalWindowMs } from './global-window';
import { firstBadTuple, tupleMessage } from './tuple-validators';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function failure(path: string, message: string): { ok: false; errors: FieldError[] } {
  return { ok: false, errors: [{ path, message }] };
}

/**
 * Bytes or text -> a validated DTO instance (class-validator, unknown fields dropped so a newer
 * sender may add some), or field errors. Shared by the usage-report and allocation-update parsers;
 * `arity` is the length of the key tuples (3: usage, 2: allocation).
 */
export function parseGlobalDto<T extends object>(input: Uint8Array | string, dto: ClassConstructor<T>, arity: 2 | 3): ValidationResult<T> {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > GLOBAL_BOUNDS.messageMaxBytes) return failure('', `must be at most ${GLOBAL_BOUNDS.messageMaxBytes} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(typeof input === 'string' ? input : utf8.decode(input));
  } catch {
    return failure('', 'must be UTF-8 JSON');
  }
  if (!isPlainObject(raw)) return failure('', 'must be an object');
  // The key tuples skip class-transformer (it would deep-copy tens of thousands of arrays, ~50x
  // the cost of JSON.parse): the DTO sees an empty list, the tuples are checked by one loop below
  // and put back untouched.
  const tuples: unknown[] = [];
  const shallow = Array.isArray(raw.windows)
    ? {
        ...raw,
        windows: raw.windows.map((w: unknown, index: number) => {
          if (!isPlainObject(w) || !Array.isArray(w.keys)) return w;
          tuples[index] = w.keys;
          return { ...w, keys: [] };
        }),
      }
    : raw;
  const instance = plainToInstance(dto, shallow);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: false,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) return { ok: false, errors: toFieldErrors(errors) };
  const windows = (instance as { windows?: Array<{ keys: unknown }> }).windows ?? [];
  const keyErrors: FieldError[] = [];
  windows.forEach((w, i) => {
    const keys = tuples[i];
    const bad = firstBadTuple(keys, arity);
    if (bad !== -1) keyErrors.push({ path: `windows[${i}].keys`, message: tupleMessage({ arity, bad }) });
    else w.keys = keys;
  });
  if (keyErrors.length > 0) return { ok: false, errors: keyErrors };
  return { ok: true, value: instance };
}

/** Every window must start on its aligned boundary (see globalWindowStartMs). */
export function misalignedWindow(windows: ReadonlyArray<{ windowStartMs: number; windowSeconds: number }>): FieldError[] {
  const errors: FieldError[] = [];
  windows.forEach((w, i) => {
    if (w.windowStartMs % globalWindowMs(w.windowSeconds) !== 0) {
      errors.push({ path: `windows[${i}].windowStartMs`, message: 'must be a multiple of windowSeconds * 1000 (an aligned window start)' });
    }
  });
  return errors;
}
