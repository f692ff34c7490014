import type { ValidationError } from 'class-validator';
import type { FieldError } from '../validation/field-error';
import { fieldPath, indexPath } from '../validation/field-reader';

/**
 * class-validator's error tree as field paths (`change.assignment.tier`), one message per field:
 * the first failed constraint, which is the most basic one (`is required` before `must be ...`).
 */
export function toFieldErrors(errors: readonly ValidationError[], base = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const path = /^\d+$/.test(error.property) ? indexPath(base, Number(error.property)) : fieldPath(base, error.property);
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) out.push({ path, message: messages[0] });
    else if (error.children !== undefined) out.push(...toFieldErrors(error.children, path));
  }
  return out;
}
