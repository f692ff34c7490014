import { decodeKey, encodeKey, randomNonce, SequentialIds } from './id-parts';

/**
 * A decision id parsed back: where its record lives and when it expires, or a decision that was
 * never recorded. A stacked decision's record lives beside the stack's key (`counterKey`) and
 * names every limit's counter (`stackCounterKeys`, in order); a single limit's has none.
 */
export type ParsedDecisionId =
  | { readonly recorded: true; readonly expiresAtUs: number; readonly nonce: string; readonly counterKey: string; readonly stackCounterKeys: readonly string[] | undefined }
  | { readonly recorded: false };

/** Counter keys as buildCounterKey makes them: one hash tag, no braces inside it, a two-letter algorithm suffix. */
const COUNTER_KEY = /^rl:\{[^{}]+\}:[a-z]{2}$/;
/** A stack as a recorded id carries it: the stack's key (buildStackKeys), then each limit's key suffix after its hash tag (`<name>:<xx>`). */
const STACK_KEYS = /^rl:\{[^{}]+\}:st( [a-z0-9-]{1,32}:[a-z]{2})+$/;
const STACK_SUFFIX = 'st';
/** `rl:{<policy>:<identity>}:`, which every key of the stack starts with. */
const keyPrefixOf = (stackKey: string): string => stackKey.slice(0, -STACK_SUFFIX.length);
/** The longest key part an id may carry (DECISION_ID_PATTERN); a longer stack is left unrecorded. */
const MAX_ENCODED_KEYS = 1100;

/**
 * Decision ids (CONTRACT.md `decisionId`), in two forms (DECISION_ID_PATTERN in @rl/contracts):
 * - `n1.<instance>.<sequence>`: a decision that was not recorded (SequentialIds).
 * - `s1.<expiry>.<nonce>.<counter key>`: a recorded decision (`settle: true`). The expiry (base 36,
 *   epoch µs, Redis time) lets a settle tell "expired" (410) from "unknown" (404) once the record
 *   itself is gone; the random nonce (12 bytes) names the record, so an id cannot be guessed; the
 *   counter key (base64url) says where the record lives: beside the counter, under its hash tag.
 *   A stacked decision carries the stack's key followed by its limits' key suffixes (STACK_KEYS),
 *   so that the settle can declare every counter's key to its script.
 *   The id is only a pointer: what a settle changes comes from the record, never from the id (a
 *   stacked record names its counters, and a settle naming others finds nothing).
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

  /**
   * The id of a recorded stacked decision whose record lives beside `stackKey` and names
   * `counterKeys` (all under the stack's hash tag); undefined when the keys would make the id too long.
   */
  static recordedStack(input: { expiresAtUs: number; nonce: string; stackKey: string; counterKeys: readonly string[] }): string | undefined {
    const prefix = keyPrefixOf(input.stackKey);
    const suffixes = input.counterKeys.map((key) => key.slice(prefix.length));
    const carried = [input.stackKey, ...suffixes].join(' ');
    const encoded = encodeKey(carried);
    if (!STACK_KEYS.test(carried) || encoded.length > MAX_ENCODED_KEYS) return undefined;
    return `s1.${input.expiresAtUs.toString(36)}.${input.nonce}.${encoded}`;
  }

  /** Parses an id that matched DECISION_ID_PATTERN; undefined when its counter part is not a counter key or a stack. */
  static parse(id: string): ParsedDecisionId | undefined {
    if (id.startsWith('n1.')) return { recorded: false };
    const [, expiry, nonce, encoded] = id.split('.');
    const expiresAtUs = parseInt(expiry, 36);
    if (!Number.isSafeInteger(expiresAtUs)) return undefined;
    const counterKey = decodeKey(encoded, COUNTER_KEY);
    // A stack's own key names a stacked record only, never a single limit's.
    if (counterKey !== undefined && !counterKey.endsWith(`:${STACK_SUFFIX}`)) return { recorded: true, expiresAtUs, nonce, counterKey, stackCounterKeys: undefined };
    const stack = decodeKey(encoded, STACK_KEYS);
    if (stack === undefined) return undefined;
    const [stackKey, ...suffixes] = stack.split(' ');
    const prefix = keyPrefixOf(stackKey);
    return { recorded: true, expiresAtUs, nonce, counterKey: stackKey, stackCounterKeys: suffixes.map((suffix) => prefix + suffix) };
  }
}
