import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/**
 * The key id every signed message names (signed-envelope.ts): the first 96 bits of SHA-256 over
 * the public key (SPKI DER), base64url (16 characters). Derived, never configured, so it cannot
 * disagree with the key; it identifies a key and is safe to log and show.
 */
export function signingKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(der).digest().subarray(0, 12).toString('base64url');
}

/** A new Ed25519 key pair in the configured forms (base64 DER), with its key id. */
export interface SigningKeyPair {
  readonly privateKey: string;
  readonly publicKey: string;
  readonly keyId: string;
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    keyId: signingKeyId(publicKey),
  };
}
