import { randomBytes } from 'node:crypto';

/**
 * The parts decision ids and lease ids are made of. Each id points at a Redis key, which it carries
 * in base64url, and names a record or a lease there by a random nonce; ids of things not held in
 * Redis are a per-process random instance part and a sequence number.
 */

/** Ids `<form>.<instance>.<sequence>`: unique, and free on the hot path (no randomness, no encoding per id). */
export class SequentialIds {
  private readonly prefix: string;
  private sequence = 0;

  constructor(form: string) {
    this.prefix = `${form}.${randomBytes(6).readUIntBE(0, 6).toString(36)}.`;
  }

  next(): string {
    this.sequence += 1;
    return this.prefix + this.sequence.toString(36);
  }
}

/** A fresh nonce: 12 random bytes, base64url (16 characters). */
export function randomNonce(): string {
  return randomBytes(12).toString('base64url');
}

export function encodeKey(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** The key `encoded` carries, when it is a canonical encoding of a key of the given shape; else undefined. */
export function decodeKey(encoded: string, shape: RegExp): string | undefined {
  const key = Buffer.from(encoded, 'base64url').toString('utf8');
  return shape.test(key) && encodeKey(key) === encoded ? key : undefined;
}
