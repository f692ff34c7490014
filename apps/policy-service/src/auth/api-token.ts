import { createHash, randomBytes } from 'node:crypto';

/** Only this is stored: the SHA-256 of the token, hex. Tokens are 256-bit random, so no salt or slow hash is needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new API token: `rlk_` and 32 random bytes, base64url. */
export function generateToken(): string {
  return `rlk_${randomBytes(32).toString('base64url')}`;
}

/** The token of an `Authorization: Bearer <token>` header; `undefined` when absent or another scheme. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ \t]+([\x21-\x7e]{1,1024})[ \t]*$/i.exec(header);
  return match?.[1];
}
