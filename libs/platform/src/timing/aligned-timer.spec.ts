import { AlignedTimer } from './aligned-timer';

/** A fake clock and timer queue: `advance` runs due timers in order, moving the clock to each. */
function fakeTime(start: number) {
  let now = start;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 0;
  return {
    now: () => now,
    schedule: (fn: () => void, delay: number): { unref?: () => unknown } => {
      const timer = { at: now + delay, fn, id: nextId++, unref: undefined };
      timers.push(timer);
      return timer;
    },
    cancel: (handle: unknown) => {
      timers = timers.filter((t) => t !== handle);
    },
    advance(toMs: number, lateMs = 0) {
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const due = timers[0];
        if (due === undefined || due.at > toMs) break;
        timers.shift();
        now = due.at + lateMs;
        due.fn();
      }
      now = toMs;
    },
    pending: () => timers.length,
  };
}

describe('AlignedTimer', () => {
  it('computes the next boundary strictly after a time', () => {
    expect(AlignedTimer.nextBoundary(1_000, 1_000)).toBe(2_000);
    expect(AlignedTimer.nextBoundary(1_001, 1_000)).toBe(2_000);
    expect(AlignedTimer.nextBoundary(1_999, 1_000, 200)).toBe(2_200);
    expect(AlignedTimer.nextBoundary(2_200, 1_000, 200)).toBe(3_200);
    expect(AlignedTimer.nextBoundary(150, 1_000, 200)).toBe(200);
  });

  it('runs at every period boundary plus the offset, whenever it was started', () => {
    const time = fakeTime(10_437);
    const runs: number[] = [];
    const timer = new AlignedTimer({ periodMs: 1_000, offsetMs: 200, task: () => runs.push(time.now()), ...time });
    timer.start();
    time.advance(14_000);
    expect(runs).toEqual([11_200, 12_200, 13_200]);
  });

  it('does not accumulate lateness: a late run is followed by the next boundary', () => {
    const time = fakeTime(0);
    const runs: number[] = [];
    const timer = new AlignedTimer({ periodMs: 1_000, task: () => runs.push(time.now()), ...time });
    timer.start();
    time.advance(5_500, 30);
    expect(runs).toEqual([1_030, 2_030, 3_030, 4_030, 5_030]);
  });

  it('skips boundaries missed during a stall instead of running back to back', () => {
    const time = fakeTime(0);
    const runs: number[] = [];
    const timer = new AlignedTimer({ periodMs: 1_000, task: () => runs.push(time.now()), ...time });
    timer.start();
    time.advance(1_000);
    time.advance(3_900, 2_700); // the run due at 2,000 happens at 4,700
    time.advance(7_000);
    expect(runs).toEqual([1_000, 4_700, 6_000, 7_000]);
  });

  it('keeps running after a task throws, and stops for good on stop()', () => {
    const time = fakeTime(0);
    let calls = 0;
    const timer = new AlignedTimer({
      periodMs: 100,
      task: () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
      },
      ...time,
    });
    timer.start();
    expect(() => time.advance(100)).toThrow('boom');
    time.advance(300);
    expect(calls).toBe(3);
    timer.stop();
    expect(timer.running).toBe(false);
    time.advance(1_000);
    expect(calls).toBe(3);
    expect(time.pending()).toBe(0);
  });

  it('refuses a period or offset that cannot be scheduled', () => {
    expect(() => new AlignedTimer({ periodMs: 0, task: () => undefined })).toThrow(RangeError);
    expect(() => new AlignedTimer({ periodMs: 100, offsetMs: 100, task: () => undefined })).toThrow(RangeError);
  });
});
