import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '@rl/contracts';
import { envoyPolicies } from './envoy-policies';
import { parseEnvoyConfig } from './parse-envoy-config';
import { EnvoyRuleIndex } from './rule-index';

const fixture = (fileName: string): { fileName: string; text: string } => ({ fileName, text: readFileSync(join(__dirname, 'fixtures', fileName), 'utf8') });

/** The index of a fixture's policies, as an enforcer builds it: every descriptor, rules where there is a rate limit. */
function indexOfFixture(fileName: string): EnvoyRuleIndex<Policy> {
  return EnvoyRuleIndex.build(
    envoyPolicies(parseEnvoyConfig(fixture(fileName))).map((policy) => ({
      descriptors: policy.match.envoy?.descriptors ?? [],
      position: policy.envoy?.position ?? 0,
      shareThreshold: policy.envoy?.shareThreshold ?? false,
      rule: policy.envoy?.rateLimit === 'none' ? undefined : policy,
    })),
  );
}


type Entries = [string, string][];

/** What a descriptor gets: `<limit>/<unit>`, `unlimited`, or `-` for no rule; `@<shared values>` when a threshold is shared. */
function ruleOf(index: EnvoyRuleIndex<Policy>, entries: Entries): string {
  const match = index.match(entries.map(([key, value]) => ({ key, value })));
  if (match === undefined) return '-';
  const envoy = match.rule.envoy;
  const rule = envoy?.rateLimit === 'unlimited' ? 'unlimited' : `${match.rule.limit}/${envoy?.unit ?? '?'}`;
  return match.sharedValues === undefined ? rule : `${rule}@${match.sharedValues.map((v) => v ?? '').join(',')}`;
}

describe('EnvoyRuleIndex: matching as envoyproxy/ratelimit matches (its README examples)', () => {
  it.each<[string, string, Entries, string]>([
    ['Example 1: each value its own rule', 'example1.yaml', [['database', 'users']], '500/second'],
    ['Example 1: the other value', 'example1.yaml', [['database', 'default']], '500/second'],
    ['Example 1: an unlisted value has no rule', 'example1.yaml', [['database', 'orders']], '-'],
    ['Example 2: nested marketing rule', 'example2.yaml', [['message_type', 'marketing'], ['to_number', '2061111111']], '5/day'],
    ['Example 2: any number alone', 'example2.yaml', [['to_number', '2061111111']], '100/day'],
    ['Example 2: another message type has no rule', 'example2.yaml', [['message_type', 'transactional'], ['to_number', '2061111111']], '-'],
    ['Example 3: key-only default', 'example3.yaml', [['remote_address', '50.0.0.1']], '10/second'],
    ['Example 3: key and value beat the key alone', 'example3.yaml', [['remote_address', '50.0.0.5']], '0/second'],
    ['Example 4: as deep as the tree', 'example4.yaml', [['key', 'value'], ['subkey', 'subvalue']], '300/second'],
    ['Example 4: shallower than the tree', 'example4.yaml', [['key', 'value']], '-'],
    ['Example 4: deeper than the tree', 'example4.yaml', [['key', 'value'], ['subkey', 'subvalue'], ['more', 'x']], '-'],
    ['Example 5: unlimited', 'example5.yaml', [['ldap', 'any']], 'unlimited'],
    ['Example 5: limited', 'example5.yaml', [['azure', 'any']], '100/minute'],
    ['Example 6: a shadow rule is still a rule', 'example6.yaml', [['service', 'auth-service'], ['user', 'user-a']], '10/second'],
    ['Example 6: the enforced sibling', 'example6.yaml', [['service', 'auth-service'], ['user', 'user-b']], '20/second'],
    ['Example 6: an unlisted user', 'example6.yaml', [['service', 'auth-service'], ['user', 'user-c']], '-'],
  ])('%s', (_name, file, entries, expected) => {
    expect(ruleOf(indexOfFixture(file), entries)).toBe(expected);
  });
});

describe('EnvoyRuleIndex: a multi-rule file', () => {
  const index = indexOfFixture('edge.yaml');
  it.each<[string, Entries, string]>([
    ['a key-only default', [['remote_address', '10.0.0.7']], '4/minute'],
    ['a zero limit for one value', [['remote_address', '10.0.0.66']], '0/minute'],
    ['a whitelisted value (no rate_limit) beats the default', [['remote_address', '10.0.0.1']], '-'],
    ['a parent without a rate limit', [['plan', 'gold']], '-'],
    ['nested key-only rule', [['plan', 'gold'], ['api_key', 'k1']], '3/hour'],
    ['nested unlimited value', [['plan', 'gold'], ['api_key', 'trusted']], 'unlimited'],
    ['the replacing rule', [['plan', 'promo'], ['api_key', 'k1']], '5/hour'],
    ['a shared wildcard counts under the pattern', [['path', '/files/a.pdf']], '3/hour@/files/*'],
    ['an unshared wildcard counts per value', [['path', '/images/a.png']], '2/hour'],
    ['a value matching no pattern', [['path', '/other']], '-'],
    ['a literal pattern value matches exactly, and counts as itself', [['path', '/files/*']], '3/hour'],
    ['week', [['report', 'weekly'], ['user', 'u1']], '2/week'],
    ['month', [['report', 'monthly'], ['user', 'u1']], '2/month'],
    ['year', [['report', 'yearly'], ['user', 'u1']], '2/year'],
    ['an unknown key', [['nothing', 'x']], '-'],
  ])('%s', (_name, entries, expected) => {
    expect(ruleOf(index, entries)).toBe(expected);
  });
});

describe('EnvoyRuleIndex: wildcards', () => {
  const index = indexOfFixture('wildcards.yaml');
  it.each<[string, Entries, string]>([
    ['trailing', [['wild', 'foobar']], '20/minute'],
    ['trailing matches the bare prefix', [['wild', 'foo']], '20/minute'],
    ['no wildcard without a star', [['plain', 'foobar']], '-'],
    ['middle', [['mid', 'bar-x-b']], '20/minute'],
    ['middle needs the suffix', [['mid', 'bar-x-c']], '-'],
    ['several stars in order', [['multi', 'foo1bar2baz']], '10/minute'],
    ['several stars out of order', [['multi', 'foobazbar']], '-'],
    ['the first pattern in file order wins', [['order', 'abc']], '1/minute'],
    ['an exact value beats every pattern', [['order', 'ab']], '3/minute'],
    ['a nested wildcard', [['nested', 'v1'], ['wild', 'goose']], '20/minute'],
    ['shared at a parent and a child, each entry counted under its pattern', [['user', 'user/7'], ['res', 'res/9'], ['action', 'read']], '150/minute@user/*,res/*,'],
    ['shared at the parent only', [['top', 'top/1'], ['leaf', 'leaf/2']], '300/minute@top/*,'],
  ])('%s', (_name, entries, expected) => {
    expect(ruleOf(index, entries)).toBe(expected);
  });
});
