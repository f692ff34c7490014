import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { encodeSignedEnvelope, formatSignatureLine, signedBytes, type SignedPurpose } from '@rl/contracts';
import { parseSigningPrivateKey, signingKeyId } from './signing-keys';

/** A signed message: the envelope to send, and its signature (for message ids). */
export interface SignedMessage {
  readonly envelope: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * Signs control messages with one Ed25519 private key (the envelope format is in contracts,
 * `signed-envelope.ts`). Ed25519 signatures are deterministic: the same payload signed twice with
 * the same key gives the same bytes, which keeps JetStream message ids derived from them stable
 * across retries.
 *
 * The key is held in a private field; `toJSON` and `util.inspect` show only the key id, so a
 * config object holding a signer can be logged without leaking it.
 */
export class MessageSigner {
  readonly keyId: string;
  readonly #key: KeyObject;

  constructor(privateKey: KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') throw new Error('MessageSigner needs an Ed25519 private key');
    this.#key = privateKey;
    this.keyId = signingKeyId(privateKey);
  }

  /** From the configured form of a private key (base64 DER or PEM); throws SigningKeyError. */
  static fromText(text: string): MessageSigner {
    return new MessageSigner(parseSigningPrivateKey(text));
  }

  /** The matching public key, for a verifier of one's own messages. */
  publicKey(): KeyObject {
    return createPublicKey(this.#key);
  }

  /** The envelope (`RLSIG1 <keyId> <signature>\n<payload>`) and its signature. */
  sign(purpose: SignedPurpose, payload: Uint8Array): SignedMessage {
    const signature = this.signature(purpose, payload);
    return { envelope: encodeSignedEnvelope({ keyId: this.keyId, signature, payload }), signature };
  }

  /** The signature line alone, for a payload sent as is (the `rl-signature` HTTP header). */
  signatureLine(purpose: SignedPurpose, payload: Uint8Array): string {
    return formatSignatureLine({ keyId: this.keyId, signature: this.signature(purpose, payload) });
  }

  toJSON(): { keyId: string } {
    return { keyId: this.keyId };
  }

  [inspect.custom](): string {
    return `MessageSigner { keyId: '${this.keyId}' }`;
  }

  private signature(purpose: SignedPurpose, payload: Uint8Array): Uint8Array {
    const signature = sign(null, signedBytes(purpose, payload), this.#key);
    return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
  }
}
