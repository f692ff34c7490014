import fc from 'fast-check';
import { CompactStateTable, cyrb53 } from './compact-state-table';
import { LocalLimiter } from './limiter';
import { ManualClock } from './clock';

describe('CompactStateTable', () => {
  it('holds tuples of one to three numbers per key and kind, exactly', () => {
    const table = new CompactStateTable(100, { seed: 1 });
    table.set('a', [1.5, 1_700_000_000_000_123], 10, 0);
    table.set('b', [0.1, 0.2, 0.30000000000000004], 10, 2);
    table.set('c', [-7], 10, 5);
    expect(table.get('a', 0, 0)).toEqual([1.5, 1_700_000_000_000_123]);
    expect(table.get('b', 0, 2)).toEqual([0.1, 0.2, 0.30000000000000004]);
    expect(table.get('c', 0, 5)).toEqual([-7]);
    expect(table.get('a', 0, 1)).toBeUndefined(); // another kind under the same key
    expect(table.get('d', 0, 0)).toBeUndefined();
    expect(table.size).toBe(3);
  });

  it('forgets a state at its expiry and reuses its slot', () => {
    const table = new CompactStateTable(10, { seed: 1 });
    table.set('a', [1, 2], 100, 0);
    expect(table.get('a', 99, 0)).toEqual([1, 2]);
    expect(table.get('a', 100, 0)).toBeUndefined();
    table.set('a', [3, 4], 200, 0);
    expect(table.get('a', 150, 0)).toEqual([3, 4]);
    expect(table.size).toBe(1);
  });

  it('agrees with a plain map while no set overflows (model test)', () => {
    const key = fc.integer({ min: 0, max: 40 }).map((n) => `rl:{p:user:${n}}:tb`);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key, value: fc.array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 3 }), ttl: fc.integer({ min: 1, max: 50 }) }),
      fc.record({ kind: fc.constant('get' as const), key }),
      fc.record({ kind: fc.constant('tick' as const), by: fc.integer({ min: 1, max: 20 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer(), (ops, seed) => {
        // 41 keys in 512 slots: with sets of 4 an overflow is possible, so the model only checks
        // that the table never returns a state other than the last one written for the key.
        const table = new CompactStateTable(256, { seed });
        const model = new Map<string, { value: number[]; expiresAt: number }>();
        let now = 0;
        for (const o of ops) {
          if (o.kind === 'tick') now += o.by;
          else if (o.kind === 'set') {
            table.set(o.key, o.value, now + o.ttl, 0);
            model.set(o.key, { value: o.value, expiresAt: now + o.ttl });
          } else {
            const got = table.get(o.key, now, 0);
            const want = model.get(o.key);
            if (got !== undefined) expect(want !== undefined && want.expiresAt > now ? want.value : undefined).toEqual(got);
          }
        }
      }),
    );
  });

  it('keeps every key when they fit, and evicts the least recently used of a full set', () => {
    const table = new CompactStateTable(1_000, { seed: 7 });
    for (let i = 0; i < 1_000; i++) table.set(`k${i}`, [i], Infinity, 0);
    let held = 0;
    for (let i = 0; i < 1_000; i++) if (table.get(`k${i}`, 0, 0)?.[0] === i) held++;
    expect(held).toBeGreaterThanOrEqual(950);
    // A key in steady use survives a flood of 20 × the capacity in new keys.
    table.set('steady', [42], Infinity, 0);
    for (let i = 0; i < 20 * table.capacity; i++) {
      table.set(`flood${i}`, [i], Infinity, 0);
      if (i % 64 === 0) expect(table.get('steady', 0, 0)).toEqual([42]);
    }
    expect(table.size).toBe(table.capacity);
  });

  it('refuses states it cannot hold', () => {
    const table = new CompactStateTable(10);
    expect(() => table.set('a', [], 1, 0)).toThrow(RangeError);
    expect(() => table.set('a', [1, 2, 3, 4], 1, 0)).toThrow(RangeError);
    expect(() => table.set('a', [1], 1, 63)).toThrow(RangeError);
  });

  it('hashes to 53-bit safe integers that depend on the seed', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer(), (text, seed) => {
        const hash = cyrb53(text, seed);
        expect(Number.isSafeInteger(hash) && hash >= 0).toBe(true);
      }),
    );
    expect(cyrb53('rl:{p:user:1}:tb', 1)).not.toBe(cyrb53('rl:{p:user:1}:tb', 2));
    expect(cyrb53('rl:{p:user:1}:tb', 1)).not.toBe(cyrb53('rl:{p:user:2}:tb', 1));
  });
});

describe('LocalLimiter on the compact table', () => {
  it('decides every algorithm as before, sliding_log included', () => {
    const clock = new ManualClock();
    const limiter = new LocalLimiter({ clock, maxKeys: 100 });
    for (const algorithm of ['token_bucket', 'gcra', 'sliding_window', 'sliding_log', 'fixed_window', 'leaky_bucket'] as const) {
      const request = { key: `rl:{p:u}:${algorithm}`, algorithm, limit: 3, windowUs: 60_000_000, burst: 3, cost: 1 };
      const allowed = [1, 2, 3, 4].map(() => limiter.decideSync(request).allowed);
      expect([algorithm, allowed]).toEqual([algorithm, [true, true, true, false]]);
    }
    expect(limiter.size).toBe(6);
  });

  it('does not read one algorithm state as another under the same key', () => {
    const limiter = new LocalLimiter({ clock: new ManualClock(), maxKeys: 10 });
    const base = { key: 'shared', limit: 1, windowUs: 60_000_000, burst: 1, cost: 1 };
    expect(limiter.decideSync({ ...base, algorithm: 'token_bucket' }).allowed).toBe(true);
    expect(limiter.decideSync({ ...base, algorithm: 'fixed_window' }).allowed).toBe(true);
  });

  it('deletes one key whatever its kind, leaving the others', () => {
    const table = new CompactStateTable(16, { seed: 7 });
    table.set('a', [1, 2], 100, 0);
    table.set('b', [3], 100, 4);
    table.delete('a');
    table.delete('missing');
    expect(table.get('a', 0, 0)).toBeUndefined();
    expect(table.get('b', 0, 4)).toEqual([3]);
    expect(table.size).toBe(1);
  });
});
