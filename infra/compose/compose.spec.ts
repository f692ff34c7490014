import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The parts of a compose service these checks read. */
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  user?: string;
  privileged?: boolean;
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const composeDir = __dirname;
const text = readFileSync(join(composeDir, 'compose.yaml'), 'utf8');
const compose = parse(text) as { services: Record<string, ComposeService> };
const services = compose.services;
const enforcers = Object.entries(services).filter(([name]) => name.startsWith('enforcer-'));

/** A compose interpolation that fails when the variable is unset: `${NAME:?message}`. */
const REQUIRED_VARIABLE = /^\$\{[A-Z_]+:\?[^}]*\}$/;
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|API_KEY|CREDENTIAL|PRIVATE_KEY)/;

/** The host of a URL, which may hold `${...}` interpolations that URL() would refuse. */
function hostOf(url: string): string {
  return /^[a-z]+:\/\/(?:[^@/]*@)?([^:/]+)/.exec(url)?.[1] ?? `(no host in ${url})`;
}

describe('infra/compose/compose.yaml', () => {
  it('runs the whole topology: postgres, nats, a redis per region, migrations, policy service, reconciler and two enforcers', () => {
    for (const name of ['postgres', 'nats', 'migrate', 'policy-service', 'reconciler']) expect(services[name]).toBeDefined();
    expect(enforcers.map(([name]) => name).sort()).toEqual(['enforcer-eu-west', 'enforcer-us-east']);
    expect(services.nats.command).toEqual(['--config', '/etc/nats/nats-server.conf']);
  });

  it('runs NATS with the shipped permission layout, and every service with its own NATS user and inbox prefix', () => {
    const volumes = (services.nats as ComposeService & { volumes?: string[] }).volumes ?? [];
    expect(volumes).toContain('../nats/nats-server.conf:/etc/nats/nats-server.conf:ro');
    expect(existsSync(join(composeDir, '..', 'nats', 'nats-server.conf'))).toBe(true);
    const users = { 'policy-service': 'policy-service', reconciler: 'reconciler', 'enforcer-us-east': 'enforcer-us-east', 'enforcer-eu-west': 'enforcer-eu-west' };
    for (const [service, user] of Object.entries(users)) {
      const env = services[service].environment ?? {};
      expect({ service, user: env.NATS_USER, inbox: env.NATS_INBOX_PREFIX }).toEqual({ service, user, inbox: `_INBOX.${user}` });
      const variable = `NATS_${user.toUpperCase().replace(/-/g, '_')}_PASSWORD`;
      expect(env.NATS_PASSWORD).toMatch(new RegExp(`^\\$\\{${variable}:\\?`));
      expect(services.nats.environment?.[variable]).toMatch(REQUIRED_VARIABLE);
    }
  });

  it('gives the enforcers the enforcer-role key, never the admin token, and the reconciler its usage token', () => {
    expect(services['policy-service'].environment?.ENFORCER_API_KEY).toMatch(/^\$\{ENFORCER_API_KEY:\?/);
    for (const [, enforcer] of enforcers) expect(enforcer.environment?.POLICY_SERVICE_TOKEN).toMatch(/^\$\{ENFORCER_API_KEY:\?/);
    expect(services.reconciler.environment?.RECONCILER_API_TOKEN).toMatch(/^\$\{RECONCILER_API_TOKEN:\?/);
    expect(services['policy-service'].environment?.RECONCILER_API_TOKEN).toMatch(/^\$\{RECONCILER_API_TOKEN:\?/);
  });

  it("lets the policy service ask every region's enforcer for counters, with the enforcers' internal token", () => {
    const env = services['policy-service'].environment ?? {};
    expect(env.ENFORCER_INTERNAL_TOKEN).toMatch(/^\$\{ENFORCER_INTERNAL_TOKEN:\?/);
    const urls = Object.fromEntries((env.ENFORCER_URLS ?? '').split(',').map((entry) => entry.split('=')));
    expect(urls).toEqual(Object.fromEntries(enforcers.map(([name, service]) => [name.slice('enforcer-'.length), `http://${name}:${service.environment?.PORT ?? ''}`])));
    for (const [, enforcer] of enforcers) expect(enforcer.environment?.INTERNAL_API_TOKEN).toMatch(/^\$\{ENFORCER_INTERNAL_TOKEN:\?/);
  });

  it.each(enforcers)('%s gets its REGION, its own region\'s REDIS_URL and NATS_URL', (name, service) => {
    const env = service.environment ?? {};
    const region = name.slice('enforcer-'.length);
    expect(env.REGION).toBe(region);
    expect(env.REDIS_URL).toBe(`redis://redis-${region}:6379`);
    expect(services[hostOf(env.REDIS_URL)]).toBeDefined();
    expect(env.NATS_URL).toBe('nats://nats:4222');
    expect(env.POLICY_SERVICE_URL).toBe('http://policy-service:8080');
    expect(env.POLICY_SERVICE_TOKEN).toMatch(REQUIRED_VARIABLE);
    expect(env.GLOBAL_REGIONS?.split(',').sort()).toEqual(enforcers.map(([n]) => n.slice('enforcer-'.length)).sort());
    expect(env.HOST).toBe('0.0.0.0');
    for (const dependency of [`redis-${region}`, 'nats', 'policy-service']) expect(service.depends_on?.[dependency]?.condition).toBe('service_healthy');
  });

  it('gives every region its own Redis and publishes the enforcers on the ports of `npm start`', () => {
    const redisHosts = enforcers.map(([, s]) => hostOf(s.environment?.REDIS_URL ?? 'redis://none'));
    expect(new Set(redisHosts).size).toBe(enforcers.length);
    expect(services['enforcer-us-east'].ports).toEqual(['8081:8081']);
    expect(services['enforcer-eu-west'].ports).toEqual(['8082:8081']);
    expect(services['policy-service'].ports).toEqual(['8080:8080']);
    expect(services.reconciler.ports).toEqual(['8090:8090']);
  });

  it('points every service at the shared dependencies by their compose names', () => {
    const ps = services['policy-service'].environment ?? {};
    expect(hostOf(ps.NATS_URL)).toBe('nats');
    expect(hostOf(ps.DATABASE_URL)).toBe('postgres');
    expect(hostOf(services.reconciler.environment?.NATS_URL ?? '')).toBe('nats');
    expect(hostOf(services.migrate.environment?.DATABASE_URL ?? '')).toBe('postgres');
    expect(services['policy-service'].depends_on?.migrate?.condition).toBe('service_completed_successfully');
    expect(services.migrate.command).toEqual(['node', 'dist/apps/policy-service/src/migrate.js']);
  });

  it('health-checks every long-running service', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'migrate') continue;
      expect({ name, test: service.healthcheck?.test?.[0] }).toEqual({ name, test: 'CMD' });
    }
  });

  it('hard-codes no secret: secret-named variables and URL passwords come from required environment variables', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (SECRET_NAME.test(key)) expect({ service: name, key, value }).toEqual({ service: name, key, value: expect.stringMatching(REQUIRED_VARIABLE) });
        const credentials = /^[a-z]+:\/\/[^/@:]+:([^@]+)@/.exec(value);
        if (credentials !== null) expect({ service: name, key, password: credentials[1] }).toEqual({ service: name, key, password: expect.stringMatching(REQUIRED_VARIABLE) });
      }
    }
  });

  it('hands each service its signing keys: its own private key from the environment, the others\' public halves', () => {
    const env = (name: string): Record<string, string> => services[name].environment ?? {};
    const variableOf = (value: string | undefined): string | undefined => /^\$\{([A-Z_]+):\?/.exec(value ?? '')?.[1];
    expect(variableOf(env('policy-service').POLICY_SIGNING_PRIVATE_KEY)).toBe('POLICY_SIGNING_PRIVATE_KEY');
    expect(variableOf(env('reconciler').ALLOCATION_SIGNING_PRIVATE_KEY)).toBe('ALLOCATION_SIGNING_PRIVATE_KEY');
    const regions = enforcers.map(([name]) => name.slice('enforcer-'.length));
    const usageKeys = env('reconciler').USAGE_SIGNING_PUBLIC_KEYS.split(',').map((entry) => entry.split('=')[0]);
    expect(usageKeys.sort()).toEqual([...regions].sort());
    for (const [name, service] of enforcers) {
      const region = name.slice('enforcer-'.length);
      const e = service.environment ?? {};
      expect(variableOf(e.POLICY_SIGNING_PUBLIC_KEYS)).toBe('POLICY_SIGNING_PUBLIC_KEY');
      expect(variableOf(e.ALLOCATION_SIGNING_PUBLIC_KEYS)).toBe('ALLOCATION_SIGNING_PUBLIC_KEY');
      expect(variableOf(e.USAGE_SIGNING_PRIVATE_KEY)).toBe(`USAGE_SIGNING_PRIVATE_KEY_${region.toUpperCase().replace(/-/g, '_')}`);
      expect(env('reconciler').USAGE_SIGNING_PUBLIC_KEYS).toContain(`${region}=\${USAGE_SIGNING_PUBLIC_KEY_${region.toUpperCase().replace(/-/g, '_')}:?`);
    }
    // Each private key reaches exactly one service.
    const holders = new Map<string, string[]>();
    for (const [name, service] of Object.entries(services)) {
      for (const value of Object.values(service.environment ?? {})) {
        for (const match of value.matchAll(/\$\{([A-Z_]*PRIVATE_KEY[A-Z_]*):\?/g)) holders.set(match[1], [...(holders.get(match[1]) ?? []), name]);
      }
    }
    for (const [variable, names] of holders) expect({ variable, names }).toEqual({ variable, names: [expect.any(String)] });
    expect(holders.size).toBe(2 + enforcers.length);
    // The helper that makes them is there, executable, and named in the header.
    expect(statSync(join(composeDir, 'signing-keys.sh')).mode & 0o111).not.toBe(0);
    expect(text).toContain('infra/compose/signing-keys.sh');
    expect(text).not.toMatch(/MC4CAQAwBQYDK2VwBCIEI/); // the start of every Ed25519 private key in base64 PKCS#8
  });

  it('runs our images as non-root, built from Dockerfiles that say so, and nothing privileged', () => {
    for (const [name, service] of Object.entries(services)) {
      expect({ name, privileged: service.privileged ?? false }).toEqual({ name, privileged: false });
      expect(service.user ?? 'image default').not.toMatch(/^(root|0)(:|$)/);
      if (service.build === undefined) continue;
      const dockerfile = join(composeDir, service.build.context, service.build.dockerfile);
      expect(existsSync(dockerfile)).toBe(true);
      const users = readFileSync(dockerfile, 'utf8').match(/^USER\s+(\S+)/gm) ?? [];
      expect(users.length).toBeGreaterThan(0);
      expect(users.at(-1)).not.toMatch(/USER\s+(root|0)(:|$)/);
      expect(service.image).toMatch(/^ratelimiter\/[a-z-]+:local$/);
    }
  });
});
