import { CHECK_BOUNDS } from '../check/check-bounds';
import { isTimeZone } from '../policies/calendar-window';

/**
 * Bounds of the global-limit messages. `identity` is the counted identity as it appears in counter
 * keys (limiter-core `safeIdentity`): a conservative ASCII token of 1..64 characters, or `#` and a
 * 22-character base64url SHA-256 prefix for anything longer or unsafe.
 */
export const GLOBAL_BOUNDS = {
  /** Stay under this many bytes per message (split larger reports and updates). */
  messageMaxBytes: 512 * 1024,
  policyId: { pattern: /^[a-z0-9-]{1,64}$/, hint: 'a slug of 1 to 64 characters from [a-z0-9-]' },
  /** A stacked limit's name (PolicyLimit.name). */
  limitName: { pattern: /^[a-z0-9-]{1,32}$/, hint: 'a slug of 1 to 32 characters from [a-z0-9-]' },
  identity: { pattern: /^(?:[A-Za-z0-9:_.@/-]{1,64}|#[A-Za-z0-9_-]{22})$/, hint: 'a counter identity (limiter-core safeIdentity)' },
  instanceId: { pattern: /^[\x21-\x7e]{1,128}$/, hint: 'a string of 1 to 128 printable ASCII characters without spaces' },
  limit: { min: 1, max: CHECK_BOUNDS.limitMax },
  /** A calendar month is up to 31 days and one DST hour long. */
  windowSeconds: { min: CHECK_BOUNDS.windowSecondsMin, max: 31 * 86_400 + 3_600 },
  timeZone: { pattern: { test: isTimeZone }, hint: 'an IANA time zone such as UTC or Europe/Berlin' },
  count: { min: 0, max: Number.MAX_SAFE_INTEGER },
  epoch: { min: 0, max: Number.MAX_SAFE_INTEGER },
  timeMs: { min: 0, max: 8_640_000_000_000_000 },
  leaseSeconds: { min: 1, max: 3600 },
} as const;

export const GLOBAL_SCHEMA_VERSION = 1;
