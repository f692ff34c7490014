import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { EnvoyConfigDirectory, readEnvoyConfigDirectory } from './envoy-config-directory';

const logger = pino({ level: 'silent' });
const rule = (domain: string, limit: number): string => `domain: ${domain}\ndescriptors:\n  - key: k\n    rate_limit: { unit: minute, requests_per_unit: ${limit} }\n`;

describe('EnvoyConfigDirectory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rl-envoy-dir-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the YAML files of a directory, ignoring others and dotfiles', async () => {
    await writeFile(join(dir, 'a.yaml'), rule('alpha', 1));
    await writeFile(join(dir, 'b.yml'), rule('beta', 2));
    await writeFile(join(dir, 'notes.txt'), 'not config');
    await writeFile(join(dir, '.hidden.yaml'), 'not: [valid');
    const content = await readEnvoyConfigDirectory(dir);
    expect(content.domains).toEqual(['alpha', 'beta']);
    expect(content.policies.map((p) => p.limit)).toEqual([1, 2]);
  });

  it('fails the boot on a missing directory or a bad file, naming them', async () => {
    await expect(EnvoyConfigDirectory.open({ dir: join(dir, 'missing'), logger, registry: new Registry(), watch: false })).rejects.toThrow(
      new RegExp(`^ENVOY_RATELIMIT_CONFIG_DIR ${join(dir, 'missing')}: cannot be read \\(ENOENT`),
    );
    await writeFile(join(dir, 'a.yaml'), 'domain: alpha\ndescriptors:\n  - value: x\n');
    await expect(EnvoyConfigDirectory.open({ dir, logger, registry: new Registry(), watch: false })).rejects.toThrow('a.yaml: descriptors[0].key: descriptor has empty key');
  });

  it('publishes a changed directory, keeps the last good one on a bad reload and says why, and recovers', async () => {
    await writeFile(join(dir, 'a.yaml'), rule('alpha', 1));
    const registry = new Registry();
    const directory = await EnvoyConfigDirectory.open({ dir, logger, registry, watch: false });
    const seen: number[] = [];
    directory.subscribe((content) => seen.push(content.policies[0].limit));

    await directory.reload();
    expect(seen).toEqual([]);
    await writeFile(join(dir, 'a.yaml'), rule('alpha', 5));
    await directory.reload();
    expect(seen).toEqual([5]);

    await writeFile(join(dir, 'a.yaml'), 'domain: alpha\ndescriptors:\n  - key: k\n    rate_limit: { unit: often, requests_per_unit: 1 }\n');
    await directory.reload();
    expect(seen).toEqual([5]);
    expect(directory.current().policies[0].limit).toBe(5);
    expect(directory.problem()).toBe("a.yaml: descriptors[0].rate_limit.unit: invalid rate limit unit 'often'");
    expect(await registry.getSingleMetricAsString('rl_envoy_config_healthy')).toMatch(/rl_envoy_config_healthy 0$/);

    await writeFile(join(dir, 'a.yaml'), rule('alpha', 7));
    await directory.reload();
    expect(seen).toEqual([5, 7]);
    expect(directory.problem()).toBeUndefined();
    expect(await registry.getSingleMetricAsString('rl_envoy_config_reloads_total')).toContain('rl_envoy_config_reloads_total{result="error"} 1');
    directory.close();
  });

  it('reloads on its own when a file changes', async () => {
    await writeFile(join(dir, 'a.yaml'), rule('alpha', 1));
    const directory = await EnvoyConfigDirectory.open({ dir, logger, registry: new Registry() });
    try {
      const changed = new Promise<number>((resolve) => directory.subscribe((content) => resolve(content.policies[0].limit)));
      await writeFile(join(dir, 'a.yaml'), rule('alpha', 3));
      expect(await changed).toBe(3);
    } finally {
      directory.close();
    }
  });
});
