/// <reference types="node" />
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { keyHash, sha256Hex } from './sha256';

describe('sha256Hex', () => {
  it('matches the known digests', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('agrees with node:crypto on any text, across block boundaries and beyond the BMP', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => sha256Hex(text) === createHash('sha256').update(text, 'utf8').digest('hex')),
      { numRuns: 500 },
    );
    for (const length of [55, 56, 63, 64, 65, 119, 120, 128]) {
      const text = 'k'.repeat(length);
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
    }
  });

  it("hashes a key like the enforcers' decision events", () => {
    expect(keyHash('user:42')).toBe(createHash('sha256').update('user:42').digest('hex').slice(0, 16));
  });
});
