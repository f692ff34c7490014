import fc from 'fast-check';
import { allocate, equalSplit, regionFloor, targets, type RegionView } from './allocate';

const view = (over: Partial<RegionView>): RegionView => ({ live: true, admitted: 0, demand: 0, rate: 0, current: 0, reserved: 0, pendingCount: 0, ...over });

describe('regionFloor and equalSplit', () => {
  it('keeps max(1, floor(limit * p / 100 / R)), never above the equal split', () => {
    expect(regionFloor({ limit: 3000, regionCount: 3, floorPercent: 2 })).toBe(20);
    expect(regionFloor({ limit: 10, regionCount: 3, floorPercent: 2 })).toBe(1);
    expect(regionFloor({ limit: 2, regionCount: 3, floorPercent: 2 })).toBe(0);
    expect(equalSplit(3000, 3)).toBe(1000);
  });
});

describe('targets', () => {
  it('shares what is left after admitted and floors by recent rate', () => {
    const regions = [
      view({ admitted: 100, demand: 100, rate: 70 }),
      view({ admitted: 100, demand: 100, rate: 20 }),
      view({ admitted: 100, demand: 100, rate: 10 }),
    ];
    expect(targets({ limit: 1000, regions, floorPercent: 2, minChange: 1, maxPending: 8 })).toEqual([590, 240, 170]);
  });

  it('leaves a silent region its reservation and shares the rest among live ones', () => {
    const regions = [view({ live: false, reserved: 333 }), view({ rate: 1 }), view({ rate: 1 })];
    expect(targets({ limit: 1000, regions, floorPercent: 2, minChange: 1, maxPending: 8 })).toEqual([333, 334, 333]);
  });
});

describe('allocate', () => {
  it('lowers an over-allocated region at once but raises only from free share', () => {
    // Region 0 holds the whole equal split but has no demand; region 1 is starving.
    const regions = [view({ current: 500, reserved: 500, rate: 0 }), view({ current: 500, reserved: 500, admitted: 500, demand: 900, rate: 400 })];
    const first = allocate({ limit: 1000, regions, floorPercent: 2, minChange: 1, maxPending: 8 });
    expect(first[0]).toBe(10); // the floor
    expect(first[1]).toBeUndefined(); // nothing free until region 0 acknowledges
    const acked = [view({ current: 10, reserved: 10 }), view({ current: 500, reserved: 500, admitted: 500, demand: 1300, rate: 400 })];
    expect(allocate({ limit: 1000, regions: acked, floorPercent: 2, minChange: 1, maxPending: 8 })).toEqual([undefined, 990]);
  });

  it('leaves a key far from its limit everywhere alone, and moves it once a region would run out within two intervals', () => {
    const quiet = [view({ current: 500, reserved: 500, admitted: 100, demand: 100, rate: 50 }), view({ current: 500, reserved: 500, rate: 0 })];
    expect(allocate({ limit: 1000, regions: quiet, floorPercent: 2, minChange: 1, maxPending: 8 })).toEqual([undefined, undefined]);
    const pressed = [view({ current: 500, reserved: 500, admitted: 450, demand: 450, rate: 50 }), view({ current: 500, reserved: 500, rate: 0 })];
    expect(allocate({ limit: 1000, regions: pressed, floorPercent: 2, minChange: 1, maxPending: 8 })).toEqual([undefined, 10]);
  });

  it('never raises a region past the free share, whatever the views (fast-check)', () => {
    const region = fc.record({
      live: fc.boolean(),
      admitted: fc.integer({ min: 0, max: 500 }),
      denied: fc.integer({ min: 0, max: 500 }),
      rate: fc.integer({ min: 0, max: 500 }),
      current: fc.integer({ min: 0, max: 500 }),
      extraReserve: fc.integer({ min: 0, max: 200 }),
      pendingCount: fc.integer({ min: 0, max: 9 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.array(region, { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 20 }), (limit, raw, floorPercent) => {
        const regions = raw.map((r) => {
          const admitted = Math.min(r.admitted, r.current);
          return view({ live: r.live, admitted, demand: admitted + r.denied, rate: r.rate, current: r.current, reserved: Math.max(admitted, r.current + r.extraReserve), pendingCount: r.pendingCount });
        });
        const before = regions.reduce((s, r) => s + r.reserved, 0);
        fc.pre(before <= limit);
        const out = allocate({ limit, regions, floorPercent, minChange: 1, maxPending: 8 });
        const after = regions.reduce((s, r, i) => s + Math.max(r.reserved, out[i] ?? 0), 0);
        expect(after).toBeLessThanOrEqual(limit);
        out.forEach((value, i) => {
          if (value === undefined) return;
          expect(regions[i].live).toBe(true);
          expect(value).toBeGreaterThanOrEqual(regions[i].admitted);
          expect(value).toBeGreaterThanOrEqual(Math.min(regions[i].current, regionFloor({ limit, regionCount: regions.length, floorPercent })));
        });
      }),
      { numRuns: 500 },
    );
  });
});
