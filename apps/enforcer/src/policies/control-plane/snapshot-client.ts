import { SIGNATURE_HEADER, validatePolicySnapshot, type PolicySnapshot as ControlPlaneSnapshot } from '@rl/contracts';
import type { MessageVerifier, VerificationFailure } from '@rl/platform';

/** A snapshot that verified, with the signed envelope it came in (`rl-signature` line + "\n" + body), for the persisted copy. */
export interface SignedSnapshot {
  readonly snapshot: ControlPlaneSnapshot;
  readonly envelope: Uint8Array;
}

/** Reads the control plane's current snapshot. Rejects with a SnapshotFetchError on any failure. */
export abstract class SnapshotClient {
  abstract fetch(signal: AbortSignal): Promise<SignedSnapshot>;
}

/** Why a snapshot could not be had; the message is safe to log (no token, no key). */
export class SnapshotFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFetchError';
  }
}

/** The snapshot arrived but its signature did not verify against POLICY_SIGNING_PUBLIC_KEYS: it is not used. */
export class SnapshotSignatureError extends SnapshotFetchError {
  constructor(
    message: string,
    readonly reason: VerificationFailure,
  ) {
    super(message);
    this.name = 'SnapshotSignatureError';
  }
}

const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `GET {policyServiceUrl}/v1/policies/snapshot` with the bearer token. The body's bytes are
 * verified against the `rl-signature` header first (purpose `policy-snapshot`), then parsed and
 * validated; a body that does not verify is never parsed.
 */
export class HttpSnapshotClient extends SnapshotClient {
  private readonly url: string;

  constructor(private readonly options: { policyServiceUrl: string; token: string; timeoutMs: number; verifier: MessageVerifier }) {
    super();
    this.url = `${options.policyServiceUrl}/v1/policies/snapshot`;
  }

  async fetch(signal: AbortSignal): Promise<SignedSnapshot> {
    let body: Uint8Array;
    let line: string | undefined;
    try {
      const response = await fetch(this.url, {
        headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json' },
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new SnapshotFetchError(`GET ${this.url} answered ${response.status}`);
      }
      line = response.headers.get(SIGNATURE_HEADER) ?? undefined;
      body = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      if (error instanceof SnapshotFetchError) throw error;
      throw new SnapshotFetchError(`GET ${this.url} failed: ${describe(error)}`);
    }
    const verified = this.options.verifier.verifyDetached('policy-snapshot', line, body);
    if (!verified.ok) throw new SnapshotSignatureError(`GET ${this.url} returned a snapshot that does not verify against POLICY_SIGNING_PUBLIC_KEYS (${verified.reason})`, verified.reason);
    let raw: unknown;
    try {
      raw = JSON.parse(utf8.decode(body));
    } catch {
      throw new SnapshotFetchError(`GET ${this.url} returned a body that is not UTF-8 JSON`);
    }
    const result = validatePolicySnapshot(raw);
    if (!result.ok) {
      const detail = result.errors.slice(0, 5).map((e) => `${e.path === '' ? 'the body' : e.path} ${e.message}`).join('; ');
      throw new SnapshotFetchError(`GET ${this.url} returned an invalid snapshot: ${detail}`);
    }
    // A verified line is well-formed, so this is the exact envelope the policy service signed.
    const envelope = encoder.encode(`${line as string}\n`);
    const joined = new Uint8Array(envelope.byteLength + body.byteLength);
    joined.set(envelope, 0);
    joined.set(body, envelope.byteLength);
    return { snapshot: result.value, envelope: joined };
  }
}

/** fetch() wraps the socket error in `cause`; that is the useful part (ECONNREFUSED...). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) return `${error.message} (${cause.message})`;
  return error.message;
}
