import type { Logger } from 'pino';

/**
 * Logs a recurring problem at most once per interval per topic, with the number of occurrences
 * suppressed since the last line; a flood of bad messages or a long outage stays a few lines.
 */
export class ThrottledLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; now: () => number },
  ) {}

  warn(topic: string, fields: Record<string, unknown>, message: string): void {
    this.write('warn', { topic, fields, message });
  }

  /** As `warn`, at error level: a problem an operator must fix (a missing permission, refused credentials). */
  error(topic: string, fields: Record<string, unknown>, message: string): void {
    this.write('error', { topic, fields, message });
  }

  private write(level: 'warn' | 'error', line: { topic: string; fields: Record<string, unknown>; message: string }): void {
    const now = this.options.now();
    const entry = this.last.get(line.topic);
    if (entry !== undefined && now - entry.at < this.options.intervalMs) {
      entry.suppressed += 1;
      return;
    }
    this.logger[level]({ ...line.fields, suppressedSinceLastLog: entry?.suppressed ?? 0 }, line.message);
    this.last.set(line.topic, { at: now, suppressed: 0 });
  }

  /** Forgets a topic once the problem is over, so the next occurrence logs at once. */
  clear(topic: string): void {
    this.last.delete(topic);
  }
}
