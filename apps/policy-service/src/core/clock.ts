/** Wall-clock time for timestamps the service writes itself (message commit times); injected so tests can pin it. */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
