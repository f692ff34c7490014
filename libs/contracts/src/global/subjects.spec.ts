import {
  assertRegion,
  globalAllocationsStream,
  globalAllocationsSubject,
  globalAllocationsWildcard,
  globalUsageSubject,
  globalUsageWildcard,
  reconcilerKvBucket,
  regionOfGlobalSubject,
} from './subjects';

describe('global subjects', () => {
  it('derives subjects, stream and bucket from validated tokens', () => {
    expect(globalUsageSubject('rl', 'us-east')).toBe('rl.global.usage.us-east');
    expect(globalUsageWildcard('rl')).toBe('rl.global.usage.*');
    expect(globalAllocationsSubject('e2e-1', 'eu-west')).toBe('e2e-1.global.allocations.eu-west');
    expect(globalAllocationsWildcard('rl')).toBe('rl.global.allocations.>');
    expect(globalAllocationsStream('e2e-1')).toBe('E2E_1_GLOBAL_ALLOCATIONS');
    expect(reconcilerKvBucket('rl')).toBe('RL_RECONCILER');
  });

  it.each(['', 'US', 'a.b', 'a*', 'a>', 'x'.repeat(33), 'a_b'])('rejects the region %j', (bad) => {
    expect(() => assertRegion(bad)).toThrow('region must match');
    expect(() => globalUsageSubject('rl', bad)).toThrow('region must match');
  });

  it('reads the region back from a subject, and nothing from a foreign one', () => {
    expect(regionOfGlobalSubject('rl', 'rl.global.usage.us-east')).toBe('us-east');
    expect(regionOfGlobalSubject('rl', 'rl.global.allocations.eu-west')).toBe('eu-west');
    expect(regionOfGlobalSubject('rl', 'rl.global.usage.US')).toBeUndefined();
    expect(regionOfGlobalSubject('rl', 'other.global.usage.us-east')).toBeUndefined();
  });
});
