import { GLOBAL_REGION_PATTERN } from '@rl/contracts';
import type { EnvReadResult, EnvVar } from '../config/env-var';
import { MessageSigner } from './message-signer';
import { MessageVerifier } from './message-verifier';
import { parseSigningPublicKey, SigningKeyError } from './signing-keys';

/**
 * Config declarations of signing keys (see signing-keys.ts for the accepted forms). They are
 * required unless wrapped in `optional`. A problem names what is wrong and which entry, never the
 * value: keys must not reach boot errors or logs. The typed values (MessageSigner,
 * MessageVerifier) print as key ids only.
 */
interface SigningEnvOptions {
  readonly description: string;
}

const ok = <T>(value: T): EnvReadResult<T> => ({ ok: true, value });
const problem = <T>(text: string): EnvReadResult<T> => ({ ok: false, problem: text });
const NOT_SHOWN = '(value not shown)';

function declare<T>(options: SigningEnvOptions, parse: (raw: string) => EnvReadResult<T>): EnvVar<T> {
  return {
    description: options.description,
    required: true,
    defaultText: undefined,
    read: (raw) => (raw === undefined ? problem('is required') : parse(raw)),
  };
}

function describeKeyError(error: unknown): string {
  if (error instanceof SigningKeyError) return error.message;
  throw error;
}

/** One Ed25519 private key: the signer of this service's messages. */
export function envSigningPrivateKey(options: SigningEnvOptions): EnvVar<MessageSigner> {
  return declare(options, (raw) => {
    try {
      return ok(MessageSigner.fromText(raw));
    } catch (error) {
      return problem(`must be an Ed25519 private key, PKCS#8 DER in base64 or PEM: it ${describeKeyError(error)} ${NOT_SHOWN}`);
    }
  });
}

/** A comma-separated set of Ed25519 public keys: messages signed by any of them verify. */
export function envSigningPublicKeys(options: SigningEnvOptions): EnvVar<MessageVerifier> {
  return declare(options, (raw) => {
    const entries = raw.split(',').map((entry) => entry.trim());
    const keys = [];
    for (const [index, entry] of entries.entries()) {
      try {
        keys.push(parseSigningPublicKey(entry));
      } catch (error) {
        return problem(`must be a comma-separated list of Ed25519 public keys, SPKI DER in base64 or PEM: entry ${index + 1} ${describeKeyError(error)} ${NOT_SHOWN}`);
      }
    }
    return ok(new MessageVerifier(keys));
  });
}

/**
 * `region=publicKey` pairs, comma-separated: the keys each region signs with. A region may
 * appear more than once (its old and new key during a rotation).
 */
export function envRegionSigningKeys(options: SigningEnvOptions): EnvVar<ReadonlyMap<string, MessageVerifier>> {
  return declare(options, (raw) => {
    const byRegion = new Map<string, ReturnType<typeof parseSigningPublicKey>[]>();
    for (const [index, entry] of raw.split(',').entries()) {
      const separator = entry.indexOf('=');
      const region = separator === -1 ? '' : entry.slice(0, separator).trim();
      const where = `entry ${index + 1}`;
      if (!GLOBAL_REGION_PATTERN.test(region)) return problem(`must be a comma-separated list of region=publicKey: ${where} does not start with a region name from [a-z0-9-]{1,32} and "=" ${NOT_SHOWN}`);
      try {
        const keys = byRegion.get(region) ?? [];
        keys.push(parseSigningPublicKey(entry.slice(separator + 1)));
        byRegion.set(region, keys);
      } catch (error) {
        return problem(`must be a comma-separated list of region=publicKey (Ed25519, SPKI DER in base64 or PEM): the key of ${where} (${region}) ${describeKeyError(error)} ${NOT_SHOWN}`);
      }
    }
    return ok(new Map([...byRegion].map(([region, keys]) => [region, new MessageVerifier(keys)])));
  });
}
