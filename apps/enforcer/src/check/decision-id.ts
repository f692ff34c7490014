import { decodeKey, encodeKey, randomNonce, SequentialIds } from './id-parts';

/** A decision id parsed back: where its record lives and when it expires, or a decision that was never recorded. */
export type ParsedDecisionId =
  | { readonly recorded: true; readonly expiresAtUs: number; readonly nonce: string; readonly counterKey: string }
  | { readonly recorded: false };

/** Counter keys as buildCounterKey makes them: one hash tag, no braces inside it, a two-letter algorithm suffix. */
const COUNTER_KEY = /^rl:\{[^{}]+\}:[a-z]{2}$/;

/**
 * Decision ids (CONTRACT.md `decisionId`), in two forms (DECISION_ID_PATTERN in @rl/contracts):
 * - `n1.<instance>.<sequence>`: a decision that was not recorded (SequentialIds).
 * - `s1.<expiry>.<nonce>.<counter key>`: a recorded decision (`settle: true`). The expiry (base 36,
 *   epoch µs, Redis time) lets a settle tell "expired" (410) from "unknown" (404) once the record
 *   itself is gone; the random nonce (12 bytes) names the record, so an id cannot be guessed; the
 *   counter key (base64url) says where the record lives: beside the counter, under its hash tag.
 *   The id is only a pointer: what a settle changes comes from the record, never from the id.
 */
export class DecisionIds {
  private readonly unrecorded = new SequentialIds('n1');

  /** The id of a decision that is not recorded. */
  next(): string {
    return this.unrecorded.next();
  }

  /** A fresh nonce for a decision record. */
  static nonce(): string {
    return randomNonce();
  }

  static recorded(input: { expiresAtUs: number; nonce: string; counterKey: string }): string {
    return `s1.${input.expiresAtUs.toString(36)}.${input.nonce}.${encodeKey(input.counterKey)}`;
  }

  /** Parses an id that matched DECISION_ID_PATTERN; undefined when its counter part is not a counter key. */
  static parse(id: string): ParsedDecisionId | undefined {
    if (id.startsWith('n1.')) return { recorded: false };
    const [, expiry, nonce, encoded] = id.split('.');
    const counterKey = decodeKey(encoded, COUNTER_KEY);
    const expiresAtUs = parseInt(expiry, 36);
    if (counterKey === undefined || !Number.isSafeInteger(expiresAtUs)) return undefined;
    return { recorded: true, expiresAtUs, nonce, counterKey };
  }
}
