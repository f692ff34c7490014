import { validatePolicySnapshot, type PolicySnapshot as ControlPlaneSnapshot } from '@rl/contracts';

/** Reads the control plane's current snapshot. Rejects with a SnapshotFetchError on any failure. */
export abstract class SnapshotClient {
  abstract fetch(signal: AbortSignal): Promise<ControlPlaneSnapshot>;
}

/** Why a snapshot could not be had; the message is safe to log (no token). */
export class SnapshotFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFetchError';
  }
}

/** `GET {policyServiceUrl}/v1/policies/snapshot` with the bearer token; the body is validated. */
export class HttpSnapshotClient extends SnapshotClient {
  private readonly url: string;

  constructor(private readonly options: { policyServiceUrl: string; token: string; timeoutMs: number }) {
    super();
    this.url = `${options.policyServiceUrl}/v1/policies/snapshot`;
  }

  async fetch(signal: AbortSignal): Promise<ControlPlaneSnapshot> {
    let response: Response;
    let body: unknown;
    try {
      response = await fetch(this.url, {
        headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json' },
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new SnapshotFetchError(`GET ${this.url} answered ${response.status}`);
      }
      body = await response.json();
    } catch (error) {
      if (error instanceof SnapshotFetchError) throw error;
      throw new SnapshotFetchError(`GET ${this.url} failed: ${describe(error)}`);
    }
    const result = validatePolicySnapshot(body);
    if (!result.ok) {
      const detail = result.errors.slice(0, 5).map((e) => `${e.path === '' ? 'the body' : e.path} ${e.message}`).join('; ');
      throw new SnapshotFetchError(`GET ${this.url} returned an invalid snapshot: ${detail}`);
    }
    return result.value;
  }
}

/** fetch() wraps the socket error in `cause`; that is the useful part (ECONNREFUSED...). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) return `${error.message} (${cause.message})`;
  return error.message;
}
