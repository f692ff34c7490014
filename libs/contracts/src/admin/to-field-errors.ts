import type { ValidationError } from 'class-validator';
import type { FieldError } from '../validation/field-error';

/** class-validator's own constraint names whose default messages read poorly in an API error. */
const REWORDED: Readonly<Record<string, string>> = {
  whitelistValidation: 'is not a known field',
  nestedValidation: 'must be an object',
};

/**
 * Flattens class-validator's error tree into one `{ path, message }` per failed constraint, with
 * dotted paths for nested objects and `[i]` for array items (`match.method`, `items[2].tier`).
 * Identical messages for one path are reported once.
 */
export function toFieldErrors(errors: readonly ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const path = /^\d+$/.test(error.property) && parent !== '' ? `${parent}[${error.property}]` : parent === '' ? error.property : `${parent}.${error.property}`;
    const seen = new Set<string>();
    for (const [name, message] of Object.entries(error.constraints ?? {})) {
      const text = REWORDED[name] ?? message;
      if (seen.has(text)) continue;
      seen.add(text);
      out.push({ path, message: text });
    }
    if (error.children !== undefined && error.children.length > 0) out.push(...toFieldErrors(error.children, path));
  }
  return out;
}
