import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicySnapshot } from '@rl/contracts';
import { forgerSigner, signedChange, signedSnapshot, TEST_POLICY_KEY, testPolicyVerifier } from '../../testing/signing-keys';
import { SnapshotCache, type SignedJournal } from './snapshot-cache';

const origin = { policyServiceUrl: 'http://policy:8080', namespace: 'rl' };
const snapshot = (revision: number): PolicySnapshot => ({ revision, policies: [], overrides: [], customers: { acme: { tier: 'free' } } });
const change = (revision: number): unknown => ({ revision, committedAt: '2026-01-01T00:00:00.000Z', change: { kind: 'customer.deleted', customerId: 'acme' } });
const journal = (revision: number, changes = 0): SignedJournal => ({
  snapshot: signedSnapshot(snapshot(revision)).envelope,
  changes: Array.from({ length: changes }, (_, i) => signedChange(change(revision + i + 1))),
});
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('SnapshotCache', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rl-cache-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const cache = (path = join(dir, 'nested', 'policies.json'), errors: unknown[] = []): SnapshotCache =>
    new SnapshotCache(path, { origin, verifier: testPolicyVerifier, debounceMs: 10_000, onWriteError: (e) => errors.push(e) });

  it('writes only the last of debounced saves, atomically, leaving no temporary file', async () => {
    const c = cache();
    expect(await c.load()).toEqual({ status: 'absent' });
    c.save(journal(1));
    c.save(journal(2, 2));
    await c.flush();
    expect(readdirSync(join(dir, 'nested'))).toEqual(['policies.json']);
    const loaded = await cache().load();
    expect(loaded.status).toBe('loaded');
    if (loaded.status !== 'loaded') return;
    expect(loaded.snapshot.revision).toBe(2);
    expect(loaded.changes.map((c) => c.revision)).toEqual([3, 4]);
    expect(text(loaded.journal.snapshot)).toBe(text(journal(2).snapshot));
    expect(JSON.parse(readFileSync(join(dir, 'nested', 'policies.json'), 'utf8'))).toMatchObject({ format: 2, origin });
  });

  it.each([
    ['{"format":1', 'not valid JSON'],
    ['null', 'not a JSON object'],
    ['{"format":1}', 'unknown format 1'],
    [JSON.stringify({ format: 2, origin: { ...origin, namespace: 'other' } }), 'written for another control plane ({"policyServiceUrl":"http://policy:8080","namespace":"other"})'],
    [JSON.stringify({ format: 2, origin, snapshot: snapshot(1), changes: [] }), 'snapshot and changes must be signed envelopes (strings)'],
    [JSON.stringify({ format: 2, origin, snapshot: text(signedSnapshot({ revision: 'x' } as unknown as PolicySnapshot).envelope), changes: [] }), 'invalid snapshot: revision must be an integer from 0 to 9007199254740991; policies is required'],
    [JSON.stringify({ format: 2, origin, snapshot: text(journal(1).snapshot), changes: [text(signedChange({ revision: 2 }))] }), 'change 1 is invalid: committedAt is required; change is required'],
    [JSON.stringify({ format: 2, origin, snapshot: text(journal(1).snapshot), changes: [text(signedChange(change(3)))] }), 'change 1 has revision 3, not 2'],
  ])('does not use %s', async (content, reason) => {
    const path = join(dir, 'policies.json');
    writeFileSync(path, content);
    expect(await cache(path).load()).toEqual({ status: 'unusable', reason });
  });

  it.each<[string, (file: { snapshot: string; changes: string[] }) => object, string, string]>([
    ['an unsigned snapshot', (f) => ({ ...f, snapshot: JSON.stringify(snapshot(1)) }), 'unsigned', 'the snapshot does not verify against POLICY_SIGNING_PUBLIC_KEYS (unsigned)'],
    ['an edited snapshot', (f) => ({ ...f, snapshot: f.snapshot.replace('"tier":"free"', '"tier":"gold"') }), 'bad_signature', 'the snapshot does not verify against POLICY_SIGNING_PUBLIC_KEYS (bad_signature)'],
    ['a snapshot signed by another key', (f) => ({ ...f, snapshot: text(signedSnapshot(snapshot(1), forgerSigner).envelope) }), 'unknown_key', 'the snapshot does not verify against POLICY_SIGNING_PUBLIC_KEYS (unknown_key)'],
    ['a change signed as a snapshot', (f) => ({ ...f, changes: [f.snapshot.replace(/\n[\s\S]*/, `\n${JSON.stringify(change(2))}`)] }), 'bad_signature', 'change 1 does not verify against POLICY_SIGNING_PUBLIC_KEYS (bad_signature)'],
  ])('refuses %s, naming the signature problem', async (_name, edit, signature, reason) => {
    const c = cache();
    c.save(journal(1, 1));
    await c.flush();
    const path = join(dir, 'nested', 'policies.json');
    const file = JSON.parse(readFileSync(path, 'utf8')) as { snapshot: string; changes: string[] };
    writeFileSync(path, JSON.stringify(edit(file)));
    expect(await cache().load()).toEqual({ status: 'unusable', reason, signature });
  });

  it('holds envelopes as signed, never key material', async () => {
    const c = cache();
    c.save(journal(1, 1));
    await c.flush();
    const content = readFileSync(join(dir, 'nested', 'policies.json'), 'utf8');
    expect(content).toContain(`RLSIG1 ${TEST_POLICY_KEY.keyId} `);
    expect(content).not.toContain(TEST_POLICY_KEY.privateKey.slice(16, 48));
    expect(content).not.toContain(TEST_POLICY_KEY.publicKey.slice(16, 48));
  });

  it('reports a failed write and keeps going', async () => {
    const errors: unknown[] = [];
    writeFileSync(join(dir, 'file'), '');
    const c = cache(join(dir, 'file', 'policies.json'), errors); // a file where the directory should be
    c.save(journal(1));
    await c.flush();
    expect(errors).toHaveLength(1);
  });
});
