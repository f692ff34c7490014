/** Reading answers of the services the policy service forwards to (reconciler, enforcers). */

/** Answers larger than this are refused. */
export const MAX_UPSTREAM_BODY_BYTES = 1_048_576;

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The `message` of an error body, shortened, when it has one. */
export function messageOf(body: unknown): string | undefined {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message.length > 0 ? message.slice(0, 300) : undefined;
}

/** Why fetch failed, in words: a timeout, `connection refused`, or the network error's code or message. */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  const failure = error as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  if (failure?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = failure?.cause;
  if (typeof cause?.code === 'string') return cause.code === 'ECONNREFUSED' ? 'connection refused' : cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return typeof failure?.message === 'string' ? failure.message : String(error);
}
