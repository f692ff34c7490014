/** The bounds of every `POST /v1/check` field, shared by the JSON schema and the error messages. */
export const CHECK_BOUNDS = {
  keyMaxLength: 256,
  customerIdMaxLength: 128,
  routeMaxLength: 512,
  methodMaxLength: 16,
  costMax: 1_000_000_000,
  limitMax: 1_000_000_000,
  /** 1 ms. */
  windowSecondsMin: 0.001,
  /** 30 days. */
  windowSecondsMax: 2_592_000,
} as const;

/**
 * Printable characters only: no C0/C1 control characters, no line or paragraph separators and no
 * lone surrogates. A JSON-schema `pattern` (Unicode mode) and a RegExp source at once.
 */
export const PRINTABLE_PATTERN = '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\ud800-\\udfff]+$';
