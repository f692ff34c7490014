/**
 * The wire form of a signed control message (issue 13): policy changes and snapshots from the
 * policy service, allocations from the reconciler, usage reports from each region's enforcers.
 *
 * A signed message is one signature line, a line feed, and the payload bytes exactly as signed:
 *
 *     RLSIG1 <keyId> <signature>\n<payload>
 *
 * - `keyId`: 16 base64url characters naming the signing key: the first 96 bits of the SHA-256 of
 *   its public key (SPKI DER), so a verifier picks the key without trying each.
 * - `signature`: the 64-byte Ed25519 signature, base64url without padding (86 characters), over
 *   `signedBytes(purpose, payload)`: `RLSIG1 <purpose>\n` followed by the payload. The purpose is
 *   the receiver's expectation, never read from the message, so a signature made for one kind of
 *   message (a usage report, say) never passes as another (an allocation).
 * - `payload`: the JSON message itself (PolicyChangeMessage, PolicySnapshot, AllocationUpdate,
 *   UsageReport), byte for byte; its revision, epoch or sequence is covered by the signature.
 *
 * Over HTTP (`GET /v1/policies/snapshot`) the body is the payload and the signature line travels
 * in the `rl-signature` header, so `line + "\n" + body` is the same envelope; enforcers keep it
 * in that form in their persisted snapshot.
 *
 * Pure: this module only frames and unframes bytes. Keys, signing and verification live in
 * `@rl/platform` (signing).
 */
export const SIGNATURE_SCHEME = 'RLSIG1';

/** The HTTP header carrying the signature line of a signed response body. */
export const SIGNATURE_HEADER = 'rl-signature';

/** What a signature is for; part of the signed bytes (see above). */
export const SIGNED_PURPOSES = ['policy-change', 'policy-snapshot', 'allocation', 'usage-report'] as const;
export type SignedPurpose = (typeof SIGNED_PURPOSES)[number];

export const SIGNING_KEY_ID_PATTERN = /^[A-Za-z0-9_-]{16}$/;
export const SIGNATURE_BYTES = 64;

const LINE = /^RLSIG1 ([A-Za-z0-9_-]{16}) ([A-Za-z0-9_-]{86})$/;
const PREFIX = `${SIGNATURE_SCHEME} `;
/** The signature line is 110 bytes; anything longer before the line feed is not one. */
const MAX_LINE_BYTES = 128;
const LINE_FEED = 0x0a;
const encoder = new TextEncoder();
const prefixBytes = encoder.encode(PREFIX);

export interface SignatureLine {
  readonly keyId: string;
  readonly signature: Uint8Array;
}

export interface SignedEnvelope extends SignatureLine {
  /** The message bytes as signed (a view into the received buffer). */
  readonly payload: Uint8Array;
}

/**
 * Why bytes are not a signed envelope: `unsigned` when they do not start with the scheme at all
 * (a plain message, `payload` is all of it); `malformed` when they start like one but the
 * signature line is broken (`payload` is what follows the first line feed, if any).
 */
export type EnvelopeProblem = { readonly problem: 'unsigned'; readonly payload: Uint8Array } | { readonly problem: 'malformed'; readonly payload: Uint8Array | undefined };

export type EnvelopeParse = ({ readonly ok: true } & SignedEnvelope) | ({ readonly ok: false } & EnvelopeProblem);

/** The signature line, as sent in front of the payload or in the `rl-signature` header. */
export function formatSignatureLine(line: SignatureLine): string {
  if (!SIGNING_KEY_ID_PATTERN.test(line.keyId)) throw new Error(`a signing key id must match ${SIGNING_KEY_ID_PATTERN.source}`);
  if (line.signature.byteLength !== SIGNATURE_BYTES) throw new Error(`an Ed25519 signature has ${SIGNATURE_BYTES} bytes (got ${line.signature.byteLength})`);
  return `${PREFIX}${line.keyId} ${Buffer.from(line.signature.buffer, line.signature.byteOffset, line.signature.byteLength).toString('base64url')}`;
}

/** Reads a signature line (an `rl-signature` header value); undefined when it is not one. */
export function parseSignatureLine(text: string): SignatureLine | undefined {
  const match = LINE.exec(text);
  if (match === null) return undefined;
  const signature = Buffer.from(match[2], 'base64url');
  // base64url decoding is lenient about the last character's spare bits: re-encode to be strict.
  if (signature.byteLength !== SIGNATURE_BYTES || signature.toString('base64url') !== match[2]) return undefined;
  return { keyId: match[1], signature: new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength) };
}

/** `line + "\n" + payload`: the bytes sent on NATS and kept on disk. */
export function encodeSignedEnvelope(envelope: SignedEnvelope): Uint8Array {
  const line = encoder.encode(`${formatSignatureLine(envelope)}\n`);
  const out = new Uint8Array(line.byteLength + envelope.payload.byteLength);
  out.set(line, 0);
  out.set(envelope.payload, line.byteLength);
  return out;
}

/** Splits received bytes into signature line and payload. Never throws, whatever the input. */
export function parseSignedEnvelope(data: Uint8Array): EnvelopeParse {
  if (!startsWith(data, prefixBytes)) return { ok: false, problem: 'unsigned', payload: data };
  const end = data.subarray(0, MAX_LINE_BYTES + 1).indexOf(LINE_FEED);
  if (end === -1) return { ok: false, problem: 'malformed', payload: undefined };
  const payload = data.subarray(end + 1);
  const line = parseSignatureLine(Buffer.from(data.buffer, data.byteOffset, end).toString('latin1'));
  if (line === undefined) return { ok: false, problem: 'malformed', payload };
  return { ok: true, keyId: line.keyId, signature: line.signature, payload };
}

/** The bytes a signature covers: `RLSIG1 <purpose>\n` and the payload. */
export function signedBytes(purpose: SignedPurpose, payload: Uint8Array): Uint8Array {
  const head = encoder.encode(`${PREFIX}${purpose}\n`);
  const out = new Uint8Array(head.byteLength + payload.byteLength);
  out.set(head, 0);
  out.set(payload, head.byteLength);
  return out;
}

/**
 * A token only the holder of the signing key can produce: the first 16 bytes of the signature,
 * base64url (22 characters). Message ids built from it (`policyChangeMsgId`, `allocationMsgId`)
 * keep JetStream's deduplication while leaving a forger no way to take a genuine message's slot.
 */
export function signatureToken(signature: Uint8Array): string {
  if (signature.byteLength !== SIGNATURE_BYTES) throw new Error(`an Ed25519 signature has ${SIGNATURE_BYTES} bytes (got ${signature.byteLength})`);
  return Buffer.from(signature.buffer, signature.byteOffset, 16).toString('base64url');
}

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.byteLength < prefix.byteLength) return false;
  for (let i = 0; i < prefix.byteLength; i += 1) if (data[i] !== prefix[i]) return false;
  return true;
}
