import fc from 'fast-check';
import { GenerationalCache } from './generational-cache';

describe('GenerationalCache', () => {
  it('holds at most maxKeys keys and keeps a key used once per maxKeys / 2 new keys', () => {
    const cache = new GenerationalCache<number>(100);
    cache.set('steady', 0);
    for (let i = 0; i < 10_000; i++) {
      cache.set(`flood-${i}`, i);
      if (i % 49 === 0) expect(cache.get('steady')).toBe(0);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    expect(cache.peek('flood-0')).toBeUndefined();
    expect(cache.peek('flood-9999')).toBe(9_999);
  });

  it('returns the last value set for every key it still holds (model test)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.constantFrom('get', 'set', 'delete', 'peek'), fc.integer({ min: 0, max: 30 }), fc.integer()), { maxLength: 300 }),
        (maxKeys, ops) => {
          const cache = new GenerationalCache<number>(maxKeys);
          const model = new Map<string, number>();
          for (const [op, k, v] of ops) {
            const key = `k${k}`;
            if (op === 'set') {
              cache.set(key, v);
              model.set(key, v);
            } else if (op === 'delete') {
              cache.delete(key);
              model.delete(key);
            } else {
              const got = op === 'get' ? cache.get(key) : cache.peek(key);
              if (got !== undefined) expect(got).toBe(model.get(key));
            }
            expect(cache.size).toBeLessThanOrEqual(Math.max(2, maxKeys));
          }
        },
      ),
    );
  });

  it('drops the least recently used first, and empties on clear', () => {
    const cache = new GenerationalCache<string>(2);
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.get('a')).toBe('A');
    cache.set('c', 'C');
    expect(cache.peek('b')).toBeUndefined();
    expect([cache.peek('a'), cache.peek('c'), cache.size]).toEqual(['A', 'C', 2]);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(() => new GenerationalCache(0)).toThrow(RangeError);
  });

  it('reports every entry it drops through onEvict, and lists what it holds', () => {
    const evicted: string[] = [];
    const cache = new GenerationalCache<number>(4, (value, key) => evicted.push(`${key}=${value}`));
    // Generations of two: the fifth key drops the first generation.
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, key.charCodeAt(0));
    expect(evicted).toEqual([]);
    cache.set('e', 1);
    expect(evicted).toEqual(['a=97', 'b=98']);
    expect([...cache.entries()]).toEqual([
      ['c', 99],
      ['d', 100],
      ['e', 1],
    ]);
    cache.delete('e');
    cache.clear();
    expect(evicted).toEqual(['a=97', 'b=98']);
  });
});
