import { encodeGlobalMessage } from './encode-global-message';
import { globalWindowStartMs } from './global-window';
import { parseAllocationUpdate } from './allocation-update.dto';
import { parseUsageReport, type UsageReport } from './usage-report.dto';

const report: UsageReport = {
  schema: 1,
  region: 'us-east',
  instanceId: 'host-1-42',
  sequence: 7,
  sentAtMs: 1_764_480_000_500,
  appliedEpoch: 3,
  windows: [{ policyId: 'search', windowStartMs: 1_764_480_000_000, windowSeconds: 60, limit: 3000, keys: [['user:42', 10, 2], ['#abcdefghijklmnopqrstuv', 0, 5]] }],
};
const update = {
  schema: 1,
  epoch: 9,
  region: 'eu-west',
  issuedAtMs: 1_764_480_000_900,
  leaseSeconds: 5,
  windows: [{ policyId: 'search', windowStartMs: 1_764_480_000_000, windowSeconds: 60, limit: 3000, keys: [['user:42', 1200]] }],
};
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

describe('parseUsageReport', () => {
  it('reads a report from bytes and drops unknown fields', () => {
    expect(parseUsageReport(bytes({ ...report, extra: true }))).toEqual({ ok: true, value: report });
  });

  it('reads the window of one limit of a stacked policy by its limitName, and a window without one as before', () => {
    const stacked = { ...report, windows: [{ ...report.windows[0], limitName: 'minute' }, report.windows[0]] };
    const parsed = parseUsageReport(bytes(stacked));
    expect(parsed).toEqual({ ok: true, value: stacked });
    expect(parsed.ok && parsed.value.windows.map((w) => w.limitName)).toEqual(['minute', undefined]);
    expect(parseAllocationUpdate(bytes({ ...update, windows: [{ ...update.windows[0], limitName: 'minute' }] }))).toMatchObject({ ok: true, value: { windows: [{ limitName: 'minute' }] } });
  });

  it('reads a calendar window of a global stacked limit, which starts at a midnight of its zone, not on a multiple of its length', () => {
    // March 2026 in Berlin: from 1 March 00:00 CET (23:00 UTC the day before), 31 days less the DST hour.
    const month = { ...report.windows[0], limitName: 'month', window: 'calendar-month', timeZone: 'Europe/Berlin', windowStartMs: Date.UTC(2026, 1, 28, 23), windowSeconds: 31 * 86_400 - 3_600 };
    expect(parseUsageReport(bytes({ ...report, windows: [month] }))).toEqual({ ok: true, value: { ...report, windows: [month] } });
    const withoutZone = parseUsageReport(bytes({ ...report, windows: [{ ...month, timeZone: undefined }] }));
    expect(withoutZone).toEqual({ ok: false, errors: [{ path: 'windows[0].timeZone', message: 'is required with window' }] });
    const unknownZone = parseUsageReport(bytes({ ...report, windows: [{ ...month, timeZone: 'Mars/Olympus' }] }));
    expect(unknownZone).toEqual({ ok: false, errors: [{ path: 'windows[0].timeZone', message: 'must be an IANA time zone such as UTC or Europe/Berlin' }] });
    const zoneAlone = parseUsageReport(bytes({ ...report, windows: [{ ...report.windows[0], timeZone: 'UTC' }] }));
    expect(zoneAlone).toEqual({ ok: false, errors: [{ path: 'windows[0].timeZone', message: 'is only for a calendar window' }] });
    const notAWindow = parseUsageReport(bytes({ ...report, windows: [{ ...month, window: 'calendar-year' }] }));
    expect(notAWindow.ok ? [] : notAWindow.errors.map((e) => e.path)).toEqual(['windows[0].window']);
  });

  it.each<[string, unknown, string, string]>([
    ['not JSON', '{"schema":', '', 'must be UTF-8 JSON'],
    ['an array', [1], '', 'must be an object'],
    ['a wrong schema', { ...report, schema: 2 }, 'schema', 'must be 1'],
    ['no region', { ...report, region: undefined }, 'region', 'is required'],
    ['a region that could shape a subject', { ...report, region: 'us.east' }, 'region', 'must be a region name of 1 to 32 characters from [a-z0-9-]'],
    ['a negative sequence', { ...report, sequence: -1 }, 'sequence', `must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`],
    ['a fractional epoch', { ...report, appliedEpoch: 1.5 }, 'appliedEpoch', `must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`],
    ['windows not an array', { ...report, windows: {} }, 'windows', 'must be an array'],
    ['a bad policy id', { ...report, windows: [{ ...report.windows[0], policyId: 'A B' }] }, 'windows[0].policyId', 'must be a slug of 1 to 64 characters from [a-z0-9-]'],
    ['a zero limit', { ...report, windows: [{ ...report.windows[0], limit: 0 }] }, 'windows[0].limit', 'must be an integer from 1 to 1000000000'],
    ['a limit name that is not a slug', { ...report, windows: [{ ...report.windows[0], limitName: 'Per Minute' }] }, 'windows[0].limitName', 'must be a slug of 1 to 32 characters from [a-z0-9-]'],
    ['a misaligned window', { ...report, windows: [{ ...report.windows[0], windowStartMs: 1_764_480_000_001 }] }, 'windows[0].windowStartMs', 'must be a multiple of windowSeconds * 1000 (an aligned window start)'],
  ])('rejects %s', (_name, input, path, message) => {
    const result = parseUsageReport(typeof input === 'string' ? input : JSON.stringify(input));
    expect(result).toEqual({ ok: false, errors: [{ path, message }] });
  });

  it.each([
    ['a tuple of the wrong arity', [['user:42', 1]], 0],
    ['a negative count', [['user:42', 1, 0], ['user:43', -1, 0]], 1],
    ['an unsafe identity', [['user 42', 1, 0]], 0],
    ['a fractional count', [['a', 0, 0], ['b', 0, 0], ['c', 0.5, 0]], 2],
  ])('rejects keys with %s and names the entry', (_name, keys, entry) => {
    const result = parseUsageReport(JSON.stringify({ ...report, windows: [{ ...report.windows[0], keys }] }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].path).toBe('windows[0].keys');
    expect(result.errors[0].message).toContain(`(entry ${entry} is not)`);
  });

  it('rejects a message over 512 KiB before parsing it', () => {
    expect(parseUsageReport('x'.repeat(512 * 1024 + 1))).toEqual({ ok: false, errors: [{ path: '', message: 'must be at most 524288 bytes' }] });
  });
});

describe('parseAllocationUpdate', () => {
  it('reads an update', () => {
    expect(parseAllocationUpdate(bytes(update))).toEqual({ ok: true, value: update });
  });

  it.each<[string, unknown, string]>([
    ['a zero lease', { ...update, leaseSeconds: 0 }, 'leaseSeconds'],
    ['a missing epoch', { ...update, epoch: undefined }, 'epoch'],
    ['a three-element key', { ...update, windows: [{ ...update.windows[0], keys: [['user:42', 1, 2]] }] }, 'windows[0].keys'],
    ['a negative allocation', { ...update, windows: [{ ...update.windows[0], keys: [['user:42', -1]] }] }, 'windows[0].keys'],
  ])('rejects %s', (_name, input, path) => {
    const result = parseAllocationUpdate(JSON.stringify(input));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual([path]);
  });
});

describe('encodeGlobalMessage', () => {
  it('sends a small message whole', () => {
    expect(encodeGlobalMessage(report)).toHaveLength(1);
  });

  it('splits a large report into standalone messages under the limit that together hold every key once', () => {
    const keys = Array.from({ length: 30_000 }, (_, i) => [`user:${i}`, i, i % 7] as const);
    const large: UsageReport = { ...report, windows: [report.windows[0], { ...report.windows[0], policyId: 'other', keys }] };
    const parts = encodeGlobalMessage(large, 64 * 1024);
    expect(parts.length).toBeGreaterThan(5);
    const seen: string[] = [];
    for (const part of parts) {
      expect(part.byteLength).toBeLessThanOrEqual(64 * 1024);
      const parsed = parseUsageReport(part);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      expect(parsed.value.sequence).toBe(report.sequence);
      for (const w of parsed.value.windows) for (const [id] of w.keys) seen.push(`${w.policyId}/${id}`);
    }
    expect(seen).toHaveLength(30_002);
    expect(new Set(seen).size).toBe(30_002);
  });
});

describe('globalWindowStartMs', () => {
  it('aligns to the epoch of wall-clock time', () => {
    expect(globalWindowStartMs(1_764_480_059_999, 60)).toBe(1_764_480_000_000);
    expect(globalWindowStartMs(1_764_480_060_000, 60)).toBe(1_764_480_060_000);
    expect(globalWindowStartMs(1234, 0.001)).toBe(1234);
  });
});
