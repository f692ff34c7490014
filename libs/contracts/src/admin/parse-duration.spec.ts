import { parseDuration, windowToSeconds } from './parse-duration';

describe('parseDuration', () => {
  it.each([
    ['30s', 30],
    ['1m', 60],
    ['1h', 3600],
    ['1d', 86_400],
    ['30d', 2_592_000],
    ['1h30m', 5400],
    ['1.5h', 5400],
    ['1500ms', 1.5],
    ['2m5s', 125],
  ])('reads %j as %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '60', '1', 'm', '1 m', ' 1m', '1M', '1w', '-1m', '+1m', '1m-', '1.m', '.5m', 'NaN', 'Infinity', '1e3s', '1h 30m', '9'.repeat(65) + 's'])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('windowToSeconds', () => {
  it('takes finite JSON numbers as seconds and strings as durations', () => {
    expect(windowToSeconds(60)).toBe(60);
    expect(windowToSeconds(0.5)).toBe(0.5);
    expect(windowToSeconds('1m')).toBe(60);
  });

  it.each([NaN, Infinity, -Infinity, null, undefined, true, {}, [], '60'])('rejects %p', (value) => {
    expect(windowToSeconds(value)).toBeUndefined();
  });
});
