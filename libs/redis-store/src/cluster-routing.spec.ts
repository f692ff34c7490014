import { keySlot } from './cluster-routing';

describe('keySlot', () => {
  it('computes CLUSTER KEYSLOT: CRC16-XMODEM modulo 16384', () => {
    // Values from a real redis-server 7.0 (CLUSTER KEYSLOT).
    expect(keySlot('a')).toBe(15_495);
    expect(keySlot('b')).toBe(3_300);
    expect(keySlot('h')).toBe(11_694);
    expect(keySlot('123456789')).toBe(0x31c3 % 16_384);
  });

  it('hashes only a non-empty hash tag, the first one', () => {
    expect(keySlot('rl:{p:user-1}:tu')).toBe(keySlot('p:user-1'));
    expect(keySlot('rl:{p:user-1}:tu:seq')).toBe(keySlot('rl:{p:user-1}:tu'));
    expect(keySlot('x{}{b}')).toBe(10_463);
    expect(keySlot('{b}{c}')).toBe(3_300);
    expect(keySlot('no-close{b')).toBe(3_501);
  });

  it('hashes the UTF-8 bytes of the key', () => {
    expect(keySlot('ü')).toBe(9_552);
    expect(keySlot('{ü}')).toBe(9_552);
    expect(keySlot('u')).toBe(11_826);
  });
});
