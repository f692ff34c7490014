import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadRlsDefinition, RLS_PROTO_DIR, RLS_SERVICE_NAME } from './rls-proto';

function protoFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? protoFiles(join(dir, entry.name)) : entry.name.endsWith('.proto') ? [join(dir, entry.name)] : [],
  );
}

describe('the Envoy protos kept as data', () => {
  it('load, with rls.proto and all its imports present, and define ShouldRateLimit', () => {
    const service = loadRlsDefinition()[RLS_SERVICE_NAME] as Record<string, { path: string; requestStream: boolean; responseStream: boolean }>;
    expect(Object.keys(service)).toEqual(['ShouldRateLimit']);
    expect(service.ShouldRateLimit).toMatchObject({ path: '/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit', requestStream: false, responseStream: false });
  });

  it('are exactly the files, byte for byte, that the proto README lists with their SHA-256', () => {
    const readme = readFileSync(join(RLS_PROTO_DIR, 'README.md'), 'utf8');
    const listed = new Map([...readme.matchAll(/^([0-9a-f]{64}) {2}(\S+\.proto)$/gm)].map((m) => [m[2], m[1]]));
    const actual = new Map(protoFiles(RLS_PROTO_DIR).map((file) => [relative(RLS_PROTO_DIR, file), createHash('sha256').update(readFileSync(file)).digest('hex')]));
    expect(listed.size).toBeGreaterThan(0);
    expect(new Map([...actual].sort())).toEqual(new Map([...listed].sort()));
  });
});
