import { envoyPolicies, parseEnvoyConfig } from '@rl/envoy-config';
import { buildEnvoyDomains } from './envoy-domain-rules';

const policiesOf = (text: string) => envoyPolicies(parseEnvoyConfig({ fileName: 'f.yaml', text }));
const alpha = policiesOf('domain: alpha\ndescriptors:\n  - key: a\n    rate_limit: { unit: second, requests_per_unit: 0 }\n  - key: u\n    rate_limit: { unlimited: true }\n  - key: w\n');
const beta = policiesOf('domain: beta\ndescriptors:\n  - key: b\n    rate_limit: { unit: year, requests_per_unit: 2, name: yearly, algorithm: token_bucket, burst: 5 }\n');

describe('buildEnvoyDomains', () => {
  const domains = buildEnvoyDomains({ policies: [...alpha, ...beta], localPercent: 50 });

  it('compiles each domain: counted rules with their policy, unlimited ones without, none for whitelists', () => {
    const match = (domain: string, key: string) => domains.get(domain)?.index.match([{ key, value: 'x' }])?.rule;
    expect(match('alpha', 'a')).toMatchObject({ requestsPerUnit: 0, unit: 'second', alignedWindows: true, policy: { quota: { limit: 0 }, localQuota: { limit: 0 } } });
    expect(match('alpha', 'u')).toMatchObject({ unlimited: true, policy: undefined });
    expect(match('alpha', 'w')).toBeUndefined();
    expect(match('beta', 'b')).toMatchObject({ limitName: 'yearly', unitSeconds: 31_536_000, alignedWindows: false, policy: { algorithm: 'token_bucket', windowUs: 31_536_000_000_000, quota: { burst: 5 } } });
  });

  it('keeps a domain whose policies are the same objects', () => {
    const changedBeta = policiesOf('domain: beta\ndescriptors:\n  - key: b\n    rate_limit: { unit: day, requests_per_unit: 2 }\n');
    const next = buildEnvoyDomains({ policies: [...alpha, ...changedBeta], localPercent: 50, previous: domains });
    expect(next.get('alpha')).toBe(domains.get('alpha'));
    expect(next.get('beta')).not.toBe(domains.get('beta'));
    expect(buildEnvoyDomains({ policies: alpha, localPercent: 50, previous: domains }).has('beta')).toBe(false);
  });
});
