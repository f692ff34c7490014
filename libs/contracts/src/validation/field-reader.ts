import type { FieldError } from './field-error';

/** `a` + `b` -> `a.b`; the root path is the empty string. */
export function fieldPath(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

export function indexPath(base: string, index: number): string {
  return `${base}[${index}]`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string rule: `pattern` is a RegExp or anything with the same `test`. */
export interface StringRule {
  readonly pattern: { test(value: string): boolean };
  readonly hint: string;
}

/** Collects field errors while typed values are read out of untrusted input. */
export class FieldReader {
  readonly errors: FieldError[] = [];

  fail(path: string, message: string): undefined {
    this.errors.push({ path, message });
    return undefined;
  }

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    return isPlainObject(value) ? value : this.fail(path, 'must be an object');
  }

  /** Flags every key of `value` not in `known`. */
  knownKeys(value: Record<string, unknown>, path: string, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.fail(fieldPath(path, key), 'is not a known field');
    }
  }

  string(value: unknown, path: string, rule: StringRule): string | undefined {
    if (value === undefined) return this.fail(path, 'is required');
    if (typeof value !== 'string' || !rule.pattern.test(value)) return this.fail(path, `must be ${rule.hint}`);
    return value;
  }

  integer(value: unknown, path: string, range: { min: number; max: number }): number | undefined {
    if (value === undefined) return this.fail(path, 'is required');
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
      return this.fail(path, `must be an integer from ${range.min} to ${range.max}`);
    }
    return value;
  }

  number(value: unknown, path: string, range: { min: number; max: number }): number | undefined {
    if (value === undefined) return this.fail(path, 'is required');
    if (typeof value !== 'number' || !Number.isFinite(value) || value < range.min || value > range.max) {
      return this.fail(path, `must be a number from ${range.min} to ${range.max}`);
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, values: readonly T[]): T | undefined {
    if (value === undefined) return this.fail(path, 'is required');
    const match = values.find((v) => v === value);
    return match ?? this.fail(path, `must be one of ${values.join(', ')}`);
  }
}
