import { describeMatch, formatRelative, formatSeconds, percentOf } from './format';

describe('format', () => {
  it.each([
    [0.5, '0.5s'],
    [59, '59s'],
    [60, '1m'],
    [90, '1m 30s'],
    [3600, '1h'],
    [86_400 + 3600 + 61, '1d 1h 1m 1s'],
    [Infinity, '—'],
  ])('formatSeconds(%p) = %p', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });

  it('formats times relative to now', () => {
    const now = Date.parse('2026-11-30T07:00:00Z');
    expect(formatRelative('2026-11-30T07:10:00Z', now)).toBe('in 10m');
    expect(formatRelative('2026-11-30T06:59:48Z', now)).toBe('12s ago');
    expect(formatRelative('2026-11-30T07:00:00Z', now)).toBe('now');
    expect(formatRelative('not a time', now)).toBe('—');
  });

  it('bounds bar widths to 0..100 and treats a zero cap as full when used', () => {
    expect(percentOf(5, 10)).toBe(50);
    expect(percentOf(15, 10)).toBe(100);
    expect(percentOf(0, 0)).toBe(0);
    expect(percentOf(1, 0)).toBe(100);
  });

  it('describes a match in one line', () => {
    expect(describeMatch({ customerTier: 'free', route: '/v1/**', method: 'GET' })).toBe('tier=free route=/v1/** method=GET');
  });
});
