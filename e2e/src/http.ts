/** A decision as seen through the HTTP API: status, the headers that matter, and the JSON body. */
export interface CheckReply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    allowed: boolean;
    limit: number;
    remaining: number;
    resetSeconds: number;
    retryAfterSeconds: number;
    policy: { id: string; version: number };
    region: string;
    degraded?: boolean;
    overloaded?: boolean;
    reason?: string;
  };
}

export async function check(baseUrl: string, request: Record<string, unknown>): Promise<CheckReply> {
  const res = await fetch(`${baseUrl}/v1/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as CheckReply['body'] };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One admin-API call with a bearer token (none when undefined): the status and the JSON body (`{}` when empty). */
export async function callApi(
  baseUrl: string,
  request: { token: string | undefined; method: string; path: string; body?: unknown },
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: { ...(request.token === undefined ? {} : { authorization: `Bearer ${request.token}` }), ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}
