import type { FieldError } from './field-error';

/** A validated, normalised value, or every error found in the input. */
export type ValidationResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly FieldError[] };
