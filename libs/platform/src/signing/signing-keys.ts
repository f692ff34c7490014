import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * Ed25519 keys of the signed control messages (issue 13), as they appear in configuration:
 * - a private key as PKCS#8 DER in base64 (64 characters), or PEM (`-----BEGIN PRIVATE KEY-----`,
 *   line breaks real or written `\n`), e.g. `openssl genpkey -algorithm ed25519`;
 * - a public key as SPKI DER in base64 (60 characters), or PEM (`-----BEGIN PUBLIC KEY-----`),
 *   e.g. `openssl pkey -pubout`.
 *
 * Errors describe what is wrong with a value and never repeat it: these messages end up in boot
 * errors and logs.
 */
export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const PEM = /^-----BEGIN ([A-Z ]+)-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END \1-----$/;

type Kind = 'private' | 'public';

/** A PEM block, or DER in base64; anything else is refused before node:crypto sees it. */
function keyMaterial(text: string, kind: Kind): { der: Buffer } | { pem: string } {
  const trimmed = text.trim().replace(/\\n/g, '\n');
  if (trimmed.startsWith('-----BEGIN')) {
    const match = PEM.exec(trimmed);
    const label = kind === 'private' ? 'PRIVATE KEY' : 'PUBLIC KEY';
    if (match === null) throw new SigningKeyError('is not a well-formed PEM block');
    if (match[1] !== label) throw new SigningKeyError(`is a PEM "${match[1]}", not a "${label}"`);
    return { pem: trimmed };
  }
  if (!BASE64.test(trimmed)) throw new SigningKeyError('is neither base64 nor PEM');
  // Node's base64 decoder reads the url-safe alphabet too.
  return { der: Buffer.from(trimmed, 'base64') };
}

function expectEd25519(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`is an ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  return key;
}

/** An Ed25519 private key from its configured form (see above). */
export function parseSigningPrivateKey(text: string): KeyObject {
  const material = keyMaterial(text, 'private');
  let key: KeyObject;
  try {
    key = 'pem' in material ? createPrivateKey({ key: material.pem, format: 'pem' }) : createPrivateKey({ key: material.der, format: 'der', type: 'pkcs8' });
  } catch {
    throw new SigningKeyError('is not a PKCS#8 private key');
  }
  return expectEd25519(key);
}

/** An Ed25519 public key from its configured form (see above). */
export function parseSigningPublicKey(text: string): KeyObject {
  const material = keyMaterial(text, 'public');
  let key: KeyObject;
  try {
    key = 'pem' in material ? createPublicKey({ key: material.pem, format: 'pem' }) : createPublicKey({ key: material.der, format: 'der', type: 'spki' });
  } catch {
    throw new SigningKeyError('is not an SPKI public key');
  }
  return expectEd25519(key);
}

// Key ids and key generation belong to the envelope format (@rl/contracts); re-exported here with
// the key parsing they go with.
export { generateSigningKeyPair, signingKeyId } from '@rl/contracts';
export type { SigningKeyPair } from '@rl/contracts';
