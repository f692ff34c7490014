import { randomBytes } from 'node:crypto';

/** A decision id parsed back: where its record lives and when it expires, or a decision that was never recorded. */
export type ParsedDecisionId =
  | { readonly recorded: true; readonly expiresAtUs: number; readonly nonce: string; readonly counterKey: string }
  | { readonly recorded: false };

/** Counter keys as buildCounterKey makes them: one hash tag, no braces inside it, a two-letter algorithm suffix. */
const COUNTER_KEY = /^rl:\{[^{}]+\}:[a-z]{2}$/;

/**
 * Decision ids (CONTRACT.md `decisionId`), in two forms (DECISION_ID_PATTERN in @rl/contracts):
 * - `n1.<instance>.<sequence>`: a decision that was not recorded. A per-process random instance
 *   part and a counter: unique, and free on the hot path (no randomness, no encoding per request).
 * - `s1.<expiry>.<nonce>.<counter key>`: a recorded decision (`settle: true`). The expiry (base 36,
 *   epoch µs, Redis time) lets a settle tell "expired" (410) from "unknown" (404) once the record
 *   itself is gone; the random nonce (12 bytes) names the record, so an id cannot be guessed; the
 *   counter key (base64url) says where the record lives: beside the counter, under its hash tag.
 *   The id is only a pointer: what a settle changes comes from the record, never from the id.
 */
export class DecisionIds {
  private readonly prefix: string;
  private sequence = 0;

  constructor() {
    this.prefix = `n1.${randomBytes(6).readUIntBE(0, 6).toString(36)}.`;
  }

  /** The id of a decision that is not recorded. */
  next(): string {
    this.sequence += 1;
    return this.prefix + this.sequence.toString(36);
  }

  /** A fresh nonce for a decision record: 12 random bytes, base64url (16 characters). */
  static nonce(): string {
    return randomBytes(12).toString('base64url');
  }

  static recorded(input: { expiresAtUs: number; nonce: string; counterKey: string }): string {
    return `s1.${input.expiresAtUs.toString(36)}.${input.nonce}.${Buffer.from(input.counterKey, 'utf8').toString('base64url')}`;
  }

  /** Parses an id that matched DECISION_ID_PATTERN; undefined when its counter part is not a counter key. */
  static parse(id: string): ParsedDecisionId | undefined {
    if (id.startsWith('n1.')) return { recorded: false };
    const [, expiry, nonce, encoded] = id.split('.');
    const counterKey = Buffer.from(encoded, 'base64url').toString('utf8');
    if (!COUNTER_KEY.test(counterKey) || Buffer.from(counterKey, 'utf8').toString('base64url') !== encoded) return undefined;
    const expiresAtUs = parseInt(expiry, 36);
    if (!Number.isSafeInteger(expiresAtUs)) return undefined;
    return { recorded: true, expiresAtUs, nonce, counterKey };
  }
}
