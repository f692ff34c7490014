import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePolicySource, PolicyFileError, readPolicyFile } from './file-policy-source';

const fixture = (name: string): string => join(__dirname, 'fixtures', name);

async function errorOf(path: string): Promise<string> {
  try {
    await readPolicyFile(path);
  } catch (error) {
    if (error instanceof PolicyFileError) return error.message;
    throw error;
  }
  throw new Error(`${path} was accepted`);
}

describe('readPolicyFile', () => {
  it('reads YAML with defaults filled in', async () => {
    const { document, revision } = await readPolicyFile(fixture('policies.yaml'));
    expect(revision).toMatch(/^[0-9a-f]{12}$/);
    expect(document.policies.map((p) => p.id)).toEqual(['free-tier', 'free-search']);
    expect(document.policies[1]).toMatchObject({ match: { method: 'GET', route: '/v1/search/**' }, mode: 'shadow', burst: 10, version: 1 });
    expect(document.overrides[0]).toMatchObject({ id: 'acme-override', version: 4 });
    expect(document.customers).toEqual({ acme: { tier: 'free' }, globex: { tier: 'free' } });
  });

  it('reads JSON', async () => {
    const { document } = await readPolicyFile(fixture('policies.json'));
    expect(document.policies[0]).toMatchObject({ id: 'pro-tier', burst: 50 });
    expect(document.overrides).toEqual([]);
  });

  it.each([
    [
      'bad-fields.yaml',
      'policies[0].limit must be an integer from 1 to 1000000000; ' +
        'policies[1].id must be a slug of 1 to 64 characters from [a-z0-9-]; ' +
        'policies[1].match must name at least one of customerTier, customerId, route, method; ' +
        'policies[1].algorithm must be one of token_bucket, sliding_window, fixed_window, leaky_bucket, gcra, sliding_log, concurrency; ' +
        'policies[1].failureMode must be one of open, closed',
    ],
    ['duplicate-key.yaml', 'not valid YAML: Map keys must be unique at line 3, column 5:'],
    ['broken.json', expect.stringMatching(/^not valid JSON: /)],
    ['not-a-document.yaml', 'the document must be an object'],
  ])('%s fails naming the file and the field path', async (name, detail) => {
    const message = await errorOf(fixture(name));
    expect(message.startsWith(`Invalid policy file ${fixture(name)}: `)).toBe(true);
    expect(message.slice(`Invalid policy file ${fixture(name)}: `.length)).toEqual(detail);
  });

  it('names a file that cannot be read', async () => {
    expect(await errorOf('/nonexistent/policies.yaml')).toMatch(/^Invalid policy file \/nonexistent\/policies.yaml: cannot be read \(ENOENT/);
  });
});

describe('FilePolicySource', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rl-policies-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a reloaded file and keeps the old snapshot when the new file is bad', async () => {
    const path = join(dir, 'policies.yaml');
    copyFileSync(fixture('policies.yaml'), path);
    const source = await FilePolicySource.open(path);
    const seen: string[] = [];
    source.subscribe((snapshot) => seen.push(snapshot.revision));
    expect(source.current().customerTiers.get('acme')).toBe('free');
    expect(await source.reload()).toBe(false);

    copyFileSync(fixture('bad-fields.yaml'), path);
    await expect(source.reload()).rejects.toThrow(PolicyFileError);
    expect(source.current().policies).toHaveLength(2);

    copyFileSync(fixture('policies.json'), path);
    expect(await source.reload()).toBe(true);
    expect(source.current().policies.map((p) => p.id)).toEqual(['pro-tier']);
    expect(seen).toEqual([source.current().revision]);
    await source.close();
  });
});
