import { verify, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { parseSignatureLine, parseSignedEnvelope, signedBytes, type SignatureLine, type SignedPurpose } from '@rl/contracts';
import { parseSigningPublicKey, signingKeyId } from './signing-keys';

/** Why a message did not verify; a bounded set, used as a metric label. */
export type VerificationFailure =
  /** No signature line at all (a plain message). */
  | 'unsigned'
  /** Signed by a key that is not in the configured set (a forger's, or one retired or not yet rolled out). */
  | 'unknown_key'
  /** A broken signature line, or a signature that does not match the bytes (tampered, or replayed with changes). */
  | 'bad_signature';

export const VERIFICATION_FAILURES: readonly VerificationFailure[] = ['unsigned', 'unknown_key', 'bad_signature'];

export type Verification =
  | { readonly ok: true; readonly payload: Uint8Array; readonly keyId: string }
  /** `payload`, when the bytes could be split, is for logging what was refused (its revision, say); it is not to be trusted. */
  | { readonly ok: false; readonly reason: VerificationFailure; readonly payload: Uint8Array | undefined };

/**
 * Verifies signed control messages against a set of Ed25519 public keys: any key of the set is
 * accepted, which is how keys rotate (add the new public key everywhere, switch the signer, then
 * remove the old one). Never throws on received bytes.
 *
 * `toJSON` and `util.inspect` show the key ids only.
 */
export class MessageVerifier {
  readonly #keys: ReadonlyMap<string, KeyObject>;

  constructor(publicKeys: readonly KeyObject[]) {
    const keys = new Map<string, KeyObject>();
    for (const key of publicKeys) {
      if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') throw new Error('MessageVerifier needs Ed25519 public keys');
      keys.set(signingKeyId(key), key);
    }
    this.#keys = keys;
  }

  /** From configured public keys (base64 DER or PEM each); throws SigningKeyError. */
  static fromText(publicKeys: readonly string[]): MessageVerifier {
    return new MessageVerifier(publicKeys.map(parseSigningPublicKey));
  }

  /** The ids of the accepted keys, in configuration order (duplicates once). */
  get keyIds(): readonly string[] {
    return [...this.#keys.keys()];
  }

  /** This set and the given keys. */
  including(publicKeys: readonly KeyObject[]): MessageVerifier {
    return new MessageVerifier([...this.#keys.values(), ...publicKeys]);
  }

  /** Verifies an envelope (`RLSIG1 <keyId> <signature>\n<payload>`) as received. */
  verify(purpose: SignedPurpose, data: Uint8Array): Verification {
    const envelope = parseSignedEnvelope(data);
    if (!envelope.ok) return { ok: false, reason: envelope.problem === 'unsigned' ? 'unsigned' : 'bad_signature', payload: envelope.payload };
    return this.check(purpose, envelope, envelope.payload);
  }

  /** Verifies a payload received with its signature line apart (the `rl-signature` HTTP header; undefined when absent). */
  verifyDetached(purpose: SignedPurpose, line: string | undefined, payload: Uint8Array): Verification {
    if (line === undefined) return { ok: false, reason: 'unsigned', payload };
    const parsed = parseSignatureLine(line);
    if (parsed === undefined) return { ok: false, reason: 'bad_signature', payload };
    return this.check(purpose, parsed, payload);
  }

  toJSON(): { keyIds: readonly string[] } {
    return { keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `MessageVerifier { keyIds: [${this.keyIds.map((id) => `'${id}'`).join(', ')}] }`;
  }

  private check(purpose: SignedPurpose, line: SignatureLine, payload: Uint8Array): Verification {
    const key = this.#keys.get(line.keyId);
    if (key === undefined) return { ok: false, reason: 'unknown_key', payload };
    let valid: boolean;
    try {
      valid = verify(null, signedBytes(purpose, payload), key, line.signature);
    } catch {
      valid = false;
    }
    return valid ? { ok: true, payload, keyId: line.keyId } : { ok: false, reason: 'bad_signature', payload };
  }
}
