import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicySnapshot } from '@rl/contracts';
import { SnapshotCache } from './snapshot-cache';

const origin = { policyServiceUrl: 'http://policy:8080', namespace: 'rl' };
const snapshot = (revision: number): PolicySnapshot => ({ revision, policies: [], overrides: [], customers: { acme: { tier: 'free' } } });

describe('SnapshotCache', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rl-cache-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const cache = (path = join(dir, 'nested', 'policies.json'), errors: unknown[] = []): SnapshotCache =>
    new SnapshotCache(path, { origin, debounceMs: 10_000, onWriteError: (e) => errors.push(e) });

  it('writes only the last of debounced saves, atomically, leaving no temporary file', async () => {
    const c = cache();
    expect(await c.load()).toEqual({ status: 'absent' });
    c.save(snapshot(1));
    c.save(snapshot(2));
    await c.flush();
    expect(readdirSync(join(dir, 'nested'))).toEqual(['policies.json']);
    const loaded = await cache().load();
    expect(loaded.status === 'loaded' && loaded.snapshot.revision).toBe(2);
    expect(JSON.parse(readFileSync(join(dir, 'nested', 'policies.json'), 'utf8'))).toMatchObject({ format: 1, origin });
  });

  it.each([
    ['{"format":1', 'not valid JSON'],
    ['{"format":2}', 'unknown format 2'],
    [JSON.stringify({ format: 1, origin: { ...origin, namespace: 'other' }, snapshot: snapshot(1) }), 'written for another control plane ({"policyServiceUrl":"http://policy:8080","namespace":"other"})'],
    [JSON.stringify({ format: 1, origin, snapshot: { revision: 'x', policies: [] } }), 'invalid snapshot: revision must be an integer from 0 to 9007199254740991'],
  ])('does not use %s', async (content, reason) => {
    const path = join(dir, 'policies.json');
    writeFileSync(path, content);
    expect(await cache(path).load()).toEqual({ status: 'unusable', reason });
  });

  it('reports a failed write and keeps going', async () => {
    const errors: unknown[] = [];
    writeFileSync(join(dir, 'file'), '');
    const c = cache(join(dir, 'file', 'policies.json'), errors); // a file where the directory should be
    c.save(snapshot(1));
    await c.flush();
    expect(errors).toHaveLength(1);
  });
});
