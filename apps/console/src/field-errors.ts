import { ApiError, type FieldError } from './api';

/**
 * A form's view of a failed submit: each known field's message by its API path (`match.method`,
 * `limit`), and what belongs to no field on this form (shown in a banner above it).
 */
export interface FormErrors {
  readonly byPath: Readonly<Record<string, string>>;
  /** Messages for paths this form has no field for, and the error's own message when it named no field. */
  readonly general: readonly string[];
}

export const NO_ERRORS: FormErrors = { byPath: {}, general: [] };

/**
 * Splits an error from the API (400/422 with `fields`) over a form's fields. A path reaches the
 * form field with the same path, or the nearest parent the form has (`match` for `match.colour`);
 * the first message per field wins.
 */
export function formErrors(error: unknown, knownPaths: readonly string[]): FormErrors {
  if (!(error instanceof ApiError)) return { byPath: {}, general: [error instanceof Error ? error.message : String(error)] };
  const byPath: Record<string, string> = {};
  const general: string[] = [];
  for (const field of error.fields) {
    const target = nearestKnown(field, knownPaths);
    if (target === undefined) general.push(field.path === '' ? field.message : `${field.path} ${field.message}`);
    else byPath[target] ??= target === field.path ? field.message : `${field.path.slice(target.length).replace(/^\./, '')} ${field.message}`;
  }
  if (error.fields.length === 0) general.push(error.message);
  return { byPath, general };
}

function nearestKnown(field: FieldError, knownPaths: readonly string[]): string | undefined {
  let path = field.path;
  for (;;) {
    if (knownPaths.includes(path)) return path;
    const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    if (cut <= 0) return undefined;
    path = path.slice(0, cut);
  }
}
