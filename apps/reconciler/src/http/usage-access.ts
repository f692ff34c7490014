import { createHash, timingSafeEqual } from 'node:crypto';

/** Why a request may not read usage: no or a wrong token (401), or not from loopback while no token is configured (403). */
export interface UsageAccessDenied {
  readonly status: 401 | 403;
  readonly message: string;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Who may read `GET /v1/global/usage`, which shows raw identities (user ids, IP addresses):
 * - with RECONCILER_API_TOKEN set, a request carrying `Authorization: Bearer <that token>`
 *   (compared in constant time), from anywhere;
 * - without it, only a client on the loopback interface, whatever address the server binds to.
 */
export function usageAccessDenied(input: { authorization: string | string[] | undefined; remoteAddress: string | undefined; token: string | undefined }): UsageAccessDenied | undefined {
  const { authorization, remoteAddress, token } = input;
  if (token === undefined) {
    if (remoteAddress !== undefined && LOOPBACK.test(remoteAddress)) return undefined;
    return { status: 403, message: 'GET /v1/global/usage answers loopback clients only while RECONCILER_API_TOKEN is unset' };
  }
  const match = typeof authorization === 'string' ? /^Bearer[ \t]+([\x21-\x7e]{1,1024})[ \t]*$/i.exec(authorization) : null;
  if (match === null) return { status: 401, message: 'missing bearer token: send Authorization: Bearer <RECONCILER_API_TOKEN>' };
  if (!timingSafeEqual(digest(match[1]), digest(token))) return { status: 401, message: 'wrong bearer token' };
  return undefined;
}
