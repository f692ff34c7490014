import { plainToInstance, type ClassConstructor } from 'class-transformer';
import type { FieldError } from '../validation/field-error';
import { isPlainObject } from '../validation/field-reader';
import { globalWindowMs } from './global-window';
import { firstBadTuple, tupleMessage } from './tuple-validators';

/** The key tuples of each window, set aside by instanceWithoutKeyTuples until windowErrors puts them back. */
const setAside = new WeakMap<object, unknown[]>();

/**
 * The message class instance of a usage report or allocation update, its key tuples set aside:
 * class-transformer would deep-copy tens of thousands of arrays (~50x the cost of JSON.parse), so
 * the DTO sees empty key lists and windowErrors checks the tuples with one loop and puts them back
 * untouched.
 */
export function instanceWithoutKeyTuples<T extends object>(dto: ClassConstructor<T>, plain: Record<string, unknown>): T {
  const tuples: unknown[] = [];
  const shallow = Array.isArray(plain.windows)
    ? {
        ...plain,
        windows: plain.windows.map((w: unknown, index: number) => {
          if (!isPlainObject(w) || !Array.isArray(w.keys)) return w;
          tuples[index] = w.keys;
          return { ...w, keys: [] };
        }),
      }
    : plain;
  const instance = plainToInstance(dto, shallow);
  setAside.set(instance, tuples);
  return instance;
}

/**
 * After field validation: the set-aside key tuples (tuples of `arity`: identity, then counts) put
 * back, or an error per window whose tuples are bad; then every window must start on its aligned
 * boundary (see globalWindowStartMs).
 */
export function windowErrors(
  message: { readonly windows: ReadonlyArray<{ readonly keys: unknown; readonly windowStartMs: number; readonly windowSeconds: number; readonly window?: string; readonly timeZone?: string }> },
  arity: 2 | 3,
): FieldError[] {
  const tuples = setAside.get(message) ?? [];
  setAside.delete(message);
  const keyErrors: FieldError[] = [];
  message.windows.forEach((w, i) => {
    const bad = firstBadTuple(tuples[i], arity);
    if (bad !== -1) keyErrors.push({ path: `windows[${i}].keys`, message: tupleMessage({ arity, bad }) });
    else (w as { keys: unknown }).keys = tuples[i];
  });
  if (keyErrors.length > 0) return keyErrors;
  const misaligned: FieldError[] = [];
  message.windows.forEach((w, i) => {
    // A calendar window's bounds are the zone's midnights (calendarBounds), checked by the reconciler.
    if (w.window !== undefined) {
      if (w.timeZone === undefined) misaligned.push({ path: `windows[${i}].timeZone`, message: 'is required with window' });
    } else if (w.timeZone !== undefined) {
      misaligned.push({ path: `windows[${i}].timeZone`, message: 'is only for a calendar window' });
    } else if (w.windowStartMs % globalWindowMs(w.windowSeconds) !== 0) {
      misaligned.push({ path: `windows[${i}].windowStartMs`, message: 'must be a multiple of windowSeconds * 1000 (an aligned window start)' });
    }
  });
  return misaligned;
}
