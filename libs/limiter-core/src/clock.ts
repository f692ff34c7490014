/**
 * The clock port. Every algorithm takes `now` from an injected clock, in integer microseconds,
 * so tests can pin exact reset and retry times. Redis scripts use Redis `TIME` at the same
 * resolution; a single decision never mixes the two sources.
 */
export interface Clock {
  /** Integer microseconds since the Unix epoch. */
  nowMicros(): number;
}

const originMicros = Math.round(performance.timeOrigin * 1000);

/** Wall-clock time from the process's monotonic timer, anchored at process start. */
export const systemClock: Clock = {
  nowMicros: () => originMicros + Math.floor(performance.now() * 1000),
};

/** A clock that moves only when told to. For tests and simulations. */
export class ManualClock implements Clock {
  constructor(private micros = 1_700_000_000_000_000) {}

  nowMicros(): number {
    return this.micros;
  }

  advanceMicros(delta: number): void {
    this.micros += delta;
  }

  advanceSeconds(seconds: number): void {
    this.micros += Math.round(seconds * 1_000_000);
  }

  set(micros: number): void {
    this.micros = micros;
  }
}
