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
