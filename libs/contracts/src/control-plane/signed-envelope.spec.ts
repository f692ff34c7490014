import fc from 'fast-check';
import {
  encodeSignedEnvelope,
  formatSignatureLine,
  parseSignatureLine,
  parseSignedEnvelope,
  signatureToken,
  signedBytes,
} from './signed-envelope';
import { policyChangeMsgId } from './subjects';
import { allocationMsgId } from '../global/subjects';

const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));
const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);
const signature = Uint8Array.from({ length: 64 }, (_, i) => i * 3);
const keyId = 'AbCdEfGh_-012345';

describe('signed envelope', () => {
  it('frames a payload behind one signature line and reads it back byte for byte', () => {
    const payload = bytes('{"revision":7,"change":{"kind":"policy.deleted","policyId":"x"}}\n');
    const wire = encodeSignedEnvelope({ keyId, signature, payload });
    expect(text(wire)?.split('\n')[0]).toBe(`RLSIG1 ${keyId} ${Buffer.from(signature).toString('base64url')}`);
    const parsed = parseSignedEnvelope(wire);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.keyId).toBe(keyId);
    expect([...parsed.signature]).toEqual([...signature]);
    expect(text(parsed.payload)).toBe(text(payload));
  });

  it('reads any payload back unchanged (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (payload, sig) => {
        const parsed = parseSignedEnvelope(encodeSignedEnvelope({ keyId, signature: sig, payload }));
        return parsed.ok && Buffer.from(parsed.payload).equals(Buffer.from(payload)) && Buffer.from(parsed.signature).equals(Buffer.from(sig));
      }),
    );
  });

  it('calls a plain message unsigned, and hands its bytes back for logging', () => {
    const plain = bytes('{"revision":8}');
    expect(parseSignedEnvelope(plain)).toEqual({ ok: false, problem: 'unsigned', payload: plain });
    expect(parseSignedEnvelope(new Uint8Array())).toEqual({ ok: false, problem: 'unsigned', payload: new Uint8Array() });
  });

  it.each<[string, string, string | undefined]>([
    ['no line feed', `RLSIG1 ${keyId} ${'A'.repeat(86)}`, undefined],
    ['a line too long to be one', `RLSIG1 ${'A'.repeat(200)}\n{}`, undefined],
    ['a short key id', `RLSIG1 abc ${'A'.repeat(86)}\n{}`, '{}'],
    ['a short signature', `RLSIG1 ${keyId} ${'A'.repeat(85)}\n{}`, '{}'],
    ['padding', `RLSIG1 ${keyId} ${'A'.repeat(84)}==\n{}`, '{}'],
    ['spare bits set in the last character', `RLSIG1 ${keyId} ${'A'.repeat(85)}B\n{}`, '{}'],
    ['a carriage return', `RLSIG1 ${keyId} ${'A'.repeat(86)}\r\n{}`, '{}'],
    ['two spaces', `RLSIG1  ${keyId} ${'A'.repeat(86)}\n{}`, '{}'],
  ])('calls %s malformed', (_name, wire, payload) => {
    const parsed = parseSignedEnvelope(bytes(wire));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem).toBe('malformed');
    expect(text(parsed.payload)).toBe(payload);
  });

  it('never throws on arbitrary bytes, or on anything that starts like an envelope (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (tail, prefixed) => {
        const data = prefixed ? new Uint8Array([...bytes('RLSIG1 '), ...tail]) : tail;
        const parsed = parseSignedEnvelope(data);
        return typeof parsed.ok === 'boolean';
      }),
    );
  });

  it('reads a header value as a signature line, and nothing else', () => {
    const line = formatSignatureLine({ keyId, signature });
    expect(parseSignatureLine(line)).toEqual({ keyId, signature: new Uint8Array(signature) });
    expect(parseSignatureLine(`${line} `)).toBeUndefined();
    expect(parseSignatureLine(`RLSIG2${line.slice(6)}`)).toBeUndefined();
    expect(parseSignatureLine('')).toBeUndefined();
  });

  it('refuses to format what no verifier would read', () => {
    expect(() => formatSignatureLine({ keyId: 'short', signature })).toThrow('a signing key id must match');
    expect(() => formatSignatureLine({ keyId, signature: signature.subarray(1) })).toThrow('an Ed25519 signature has 64 bytes (got 63)');
  });

  it('binds the purpose into the signed bytes', () => {
    const payload = bytes('{}');
    expect(text(signedBytes('policy-change', payload))).toBe('RLSIG1 policy-change\n{}');
    expect(text(signedBytes('allocation', payload))).toBe('RLSIG1 allocation\n{}');
  });

  it('derives JetStream message ids from the signature, the same for the same signature', () => {
    const token = Buffer.from(signature.subarray(0, 16)).toString('base64url');
    expect(signatureToken(signature)).toBe(token);
    expect(policyChangeMsgId(17, signature)).toBe(`policy-rev-17-${token}`);
    expect(allocationMsgId({ epoch: 9, region: 'eu-west', part: 0, signature })).toBe(`alloc-9-eu-west-0-${token}`);
    const other = Uint8Array.from(signature, (b) => b ^ 1);
    expect(policyChangeMsgId(17, other)).not.toBe(policyChangeMsgId(17, signature));
    expect(() => allocationMsgId({ epoch: 9, region: 'eu.west', part: 0, signature })).toThrow('region must match');
  });
});
