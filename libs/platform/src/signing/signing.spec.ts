import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { encodeSignedEnvelope, parseSignedEnvelope } from '@rl/contracts';
import { optional } from '../config/env-vars';
import { ConfigError, loadEnv } from '../config/load-env';
import { MessageSigner } from './message-signer';
import { MessageVerifier } from './message-verifier';
import { envRegionSigningKeys, envSigningPrivateKey, envSigningPublicKeys } from './signing-env';
import { generateSigningKeyPair, parseSigningPrivateKey, parseSigningPublicKey, signingKeyId } from './signing-keys';

const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);
const text = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : new TextDecoder().decode(value));
const pair = generateSigningKeyPair();
const other = generateSigningKeyPair();
const signer = MessageSigner.fromText(pair.privateKey);
const verifier = MessageVerifier.fromText([pair.publicKey]);
const payload = bytes('{"revision":7,"committedAt":"2026-01-01T00:00:00.000Z","change":{"kind":"policy.deleted","policyId":"x"}}');

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('signing keys', () => {
  it('reads the base64 DER forms it generates, and derives the same key id from either half', () => {
    expect(pair.privateKey).toMatch(/^[A-Za-z0-9+/]{64}$/);
    expect(pair.publicKey).toMatch(/^[A-Za-z0-9+/]{59}=$/);
    expect(pair.keyId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(signingKeyId(parseSigningPrivateKey(pair.privateKey))).toBe(pair.keyId);
    expect(signingKeyId(parseSigningPublicKey(pair.publicKey))).toBe(pair.keyId);
    expect(signer.keyId).toBe(pair.keyId);
    expect(other.keyId).not.toBe(pair.keyId);
  });

  it('reads PEM, with real line breaks or written as \\n (env files), and base64url', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const publicPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const id = signingKeyId(publicKey);
    expect(signingKeyId(parseSigningPrivateKey(privatePem))).toBe(id);
    expect(signingKeyId(parseSigningPrivateKey(privatePem.trim().replace(/\n/g, '\\n')))).toBe(id);
    expect(signingKeyId(parseSigningPublicKey(publicPem))).toBe(id);
    const der = publicKey.export({ format: 'der', type: 'spki' });
    expect(signingKeyId(parseSigningPublicKey(der.toString('base64url')))).toBe(id);
  });

  it.each<[string, () => unknown, string]>([
    ['garbage', () => parseSigningPrivateKey('not a key!'), 'is neither base64 nor PEM'],
    ['a public key where a private one belongs', () => parseSigningPrivateKey(pair.publicKey), 'is not a PKCS#8 private key'],
    ['a private key where a public one belongs', () => parseSigningPublicKey(pair.privateKey), 'is not an SPKI public key'],
    ['a private PEM where a public one belongs', () => parseSigningPublicKey(generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()), 'is a PEM "PRIVATE KEY", not a "PUBLIC KEY"'],
    ['a truncated PEM', () => parseSigningPrivateKey('-----BEGIN PRIVATE KEY-----\nMC4CAQAw'), 'is not a well-formed PEM block'],
    ['an RSA key', () => parseSigningPublicKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64')), 'is an rsa key, not Ed25519'],
    ['an X25519 key', () => parseSigningPrivateKey(generateKeyPairSync('x25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')), 'is an x25519 key, not Ed25519'],
  ])('refuses %s, without repeating it', (_name, run, message) => {
    expect(run).toThrow(message);
  });
});

describe('MessageSigner and MessageVerifier', () => {
  it('signs an envelope that verifies, handing back the exact payload', () => {
    const { envelope, signature } = signer.sign('policy-change', payload);
    expect(signature.byteLength).toBe(64);
    const result = verifier.verify('policy-change', envelope);
    expect(result).toEqual({ ok: true, payload, keyId: pair.keyId });
    // Deterministic (RFC 8032): the same bytes give the same signature, so derived message ids are stable.
    expect(Buffer.from(signer.sign('policy-change', payload).signature).equals(Buffer.from(signature))).toBe(true);
  });

  it('refuses a message signed for another purpose', () => {
    const { envelope } = signer.sign('usage-report', payload);
    expect(verifier.verify('allocation', envelope)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses an unsigned message, an unknown key, and a key that claims another key id', () => {
    expect(verifier.verify('policy-change', payload)).toEqual({ ok: false, reason: 'unsigned', payload });
    const forged = MessageSigner.fromText(other.privateKey).sign('policy-change', payload);
    expect(verifier.verify('policy-change', forged.envelope)).toMatchObject({ ok: false, reason: 'unknown_key' });
    const impersonating = encodeSignedEnvelope({ keyId: pair.keyId, signature: forged.signature, payload });
    expect(verifier.verify('policy-change', impersonating)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a genuine message replayed with a higher revision, and gives the payload for the log', () => {
    const { signature } = signer.sign('policy-change', payload);
    const replayed = bytes(text(payload)?.replace('"revision":7', '"revision":8') ?? '');
    const result = verifier.verify('policy-change', encodeSignedEnvelope({ keyId: pair.keyId, signature, payload: replayed }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe('bad_signature');
    expect(text(result.payload)).toContain('"revision":8');
  });

  it('fails every single-bit change of a signed envelope (property)', () => {
    const { envelope } = signer.sign('allocation', payload);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: envelope.byteLength * 8 - 1 }), (bit) => {
        const tampered = Uint8Array.from(envelope);
        tampered[bit >> 3] ^= 1 << (bit & 7);
        return !verifier.verify('allocation', tampered).ok;
      }),
    );
  });

  it('never throws on arbitrary bytes, with or without a signature line in front (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('', 'RLSIG1 ', `RLSIG1 ${pair.keyId} `), (tail, head) => {
        const result = verifier.verify('policy-snapshot', new Uint8Array([...bytes(head), ...tail]));
        return result.ok === false;
      }),
    );
  });

  it('verifies a detached signature line (the HTTP header)', () => {
    const line = signer.signatureLine('policy-snapshot', payload);
    expect(verifier.verifyDetached('policy-snapshot', line, payload)).toEqual({ ok: true, payload, keyId: pair.keyId });
    expect(verifier.verifyDetached('policy-snapshot', undefined, payload)).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(verifier.verifyDetached('policy-snapshot', 'RLSIG1 nope', payload)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifier.verifyDetached('policy-change', line, payload)).toMatchObject({ ok: false, reason: 'bad_signature' });
    // The envelope kept on disk is the header line and the body.
    const kept = bytes(`${line}\n${text(payload)}`);
    expect(parseSignedEnvelope(kept).ok).toBe(true);
    expect(verifier.verify('policy-snapshot', kept).ok).toBe(true);
  });

  it('accepts every key of its set, so a new key can roll out before the old one retires', () => {
    const both = MessageVerifier.fromText([pair.publicKey, other.publicKey, pair.publicKey]);
    expect(both.keyIds).toEqual([pair.keyId, other.keyId]);
    expect(both.verify('allocation', signer.sign('allocation', payload).envelope).ok).toBe(true);
    expect(both.verify('allocation', MessageSigner.fromText(other.privateKey).sign('allocation', payload).envelope).ok).toBe(true);
    expect(verifier.including([signer.publicKey()]).keyIds).toEqual([pair.keyId]);
  });

  it('shows key ids only, never key material, when logged, serialised or inspected', () => {
    const shown = [JSON.stringify({ signer, verifier }), inspect({ signer, verifier }, { depth: 5, showHidden: true }), String(inspect(new Map([['us-east', verifier]])))].join('\n');
    expect(shown).toContain(pair.keyId);
    for (const secret of [pair.privateKey, pair.publicKey, pair.privateKey.slice(20, 40), pair.publicKey.slice(20, 40)]) expect(shown).not.toContain(secret);
    expect(JSON.parse(JSON.stringify(signer))).toEqual({ keyId: pair.keyId });
    expect(JSON.parse(JSON.stringify(verifier))).toEqual({ keyIds: [pair.keyId] });
  });
});

describe('signing config', () => {
  const schema = {
    SIGNING_PRIVATE_KEY: envSigningPrivateKey({ description: 'private' }),
    SIGNING_PUBLIC_KEYS: envSigningPublicKeys({ description: 'public set' }),
    REGION_KEYS: optional(envRegionSigningKeys({ description: 'per region' })),
  };

  it('reads a signer, a verifier set and a per-region map', () => {
    const env = loadEnv(schema, {
      SIGNING_PRIVATE_KEY: pair.privateKey,
      SIGNING_PUBLIC_KEYS: ` ${pair.publicKey} , ${other.publicKey}`,
      REGION_KEYS: `us-east=${pair.publicKey},eu-west=${other.publicKey},us-east=${other.publicKey}`,
    });
    expect(env.SIGNING_PRIVATE_KEY.keyId).toBe(pair.keyId);
    expect(env.SIGNING_PUBLIC_KEYS.keyIds).toEqual([pair.keyId, other.keyId]);
    expect([...(env.REGION_KEYS ?? new Map<string, MessageVerifier>())].map(([region, v]) => [region, v.keyIds])).toEqual([
      ['us-east', [pair.keyId, other.keyId]],
      ['eu-west', [other.keyId]],
    ]);
    expect(loadEnv(schema, { SIGNING_PRIVATE_KEY: pair.privateKey, SIGNING_PUBLIC_KEYS: pair.publicKey }).REGION_KEYS).toBeUndefined();
  });

  it('fails naming each variable and what is wrong, and never echoes a key', () => {
    const message = configError(() =>
      loadEnv(schema, {
        SIGNING_PRIVATE_KEY: pair.publicKey,
        SIGNING_PUBLIC_KEYS: `${pair.publicKey},${pair.privateKey}`,
        REGION_KEYS: `us-east=${pair.publicKey},EU=${other.publicKey}`,
      }),
    );
    expect(message).toBe(
      'Invalid configuration: ' +
        'SIGNING_PRIVATE_KEY must be an Ed25519 private key, PKCS#8 DER in base64 or PEM: it is not a PKCS#8 private key (value not shown); ' +
        'SIGNING_PUBLIC_KEYS must be a comma-separated list of Ed25519 public keys, SPKI DER in base64 or PEM: entry 2 is not an SPKI public key (value not shown); ' +
        'REGION_KEYS must be a comma-separated list of region=publicKey: entry 2 does not start with a region name from [a-z0-9-]{1,32} and "=" (value not shown)',
    );
    expect(configError(() => loadEnv(schema, {}))).toBe('Invalid configuration: SIGNING_PRIVATE_KEY is required; SIGNING_PUBLIC_KEYS is required');
    expect(configError(() => loadEnv(schema, { SIGNING_PRIVATE_KEY: pair.privateKey, SIGNING_PUBLIC_KEYS: pair.publicKey, REGION_KEYS: `us-east=${pair.privateKey}` }))).toContain(
      'REGION_KEYS must be a comma-separated list of region=publicKey (Ed25519, SPKI DER in base64 or PEM): the key of entry 1 (us-east) is not an SPKI public key (value not shown)',
    );
  });
});
