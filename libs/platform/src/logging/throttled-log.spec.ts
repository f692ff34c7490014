import type { Logger } from 'pino';
import { ThrottledLog } from './throttled-log';

describe('ThrottledLog', () => {
  it('logs a topic at most once per interval, with the count it suppressed', () => {
    const lines: Array<[Record<string, unknown>, string]> = [];
    const logger = { warn: (fields: Record<string, unknown>, message: string) => lines.push([fields, message]) } as unknown as Logger;
    let now = 0;
    const log = new ThrottledLog(logger, { intervalMs: 1_000, now: () => now });
    log.warn('a', { n: 1 }, 'first');
    log.warn('a', { n: 2 }, 'second');
    log.warn('b', { n: 3 }, 'other topic');
    now = 999;
    log.warn('a', { n: 4 }, 'still quiet');
    now = 1_000;
    log.warn('a', { n: 5 }, 'again');
    log.clear('a');
    log.warn('a', { n: 6 }, 'after clear');
    expect(lines).toEqual([
      [{ n: 1, suppressedSinceLastLog: 0 }, 'first'],
      [{ n: 3, suppressedSinceLastLog: 0 }, 'other topic'],
      [{ n: 5, suppressedSinceLastLog: 2 }, 'again'],
      [{ n: 6, suppressedSinceLastLog: 0 }, 'after clear'],
    ]);
  });
});
