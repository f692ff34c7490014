import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvoyConfigError } from './envoy-config-error';
import { parseEnvoyConfig, parseEnvoyConfigs } from './parse-envoy-config';

const fixture = (fileName: string): { fileName: string; text: string } => ({ fileName, text: readFileSync(join(__dirname, 'fixtures', fileName), 'utf8') });


function errorOf(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    if (error instanceof EnvoyConfigError) return error.message;
    throw error;
  }
  throw new Error('the file loaded');
}

describe('parseEnvoyConfig: bad files, one fixture each, with the exact message', () => {
  it.each([
    ['bad_limit_unit.yaml', "bad_limit_unit.yaml: descriptors[0].rate_limit.unit: invalid rate limit unit 'fortnight'"],
    ['bad_yaml.yaml', 'bad_yaml.yaml: error loading config file: Missing closing "quote'],
    ['duplicate_key.yaml', "duplicate_key.yaml: descriptors[2]: duplicate descriptor composite key 'checkout.tenant_acme'"],
    ['duplicate_key_nested.yaml', "duplicate_key_nested.yaml: descriptors[0].descriptors[1]: duplicate descriptor composite key 'checkout.tenant_acme.user'"],
    ['empty_domain.yaml', 'empty_domain.yaml: domain: config file cannot have empty domain'],
    ['empty_key.yaml', 'empty_key.yaml: descriptors[0].descriptors[0].key: descriptor has empty key'],
    ['replaces_self.yaml', 'replaces_self.yaml: descriptors[0].rate_limit.replaces[0].name: replaces should not contain name of same descriptor'],
    ['replaces_empty.yaml', 'replaces_empty.yaml: descriptors[0].rate_limit.replaces[0].name: should not have an empty replaces entry'],
    ['unlimited_with_unit.yaml', 'unlimited_with_unit.yaml: descriptors[0].rate_limit.unit: should not specify rate limit unit when unlimited'],
    ['non_string_key.yaml', 'non_string_key.yaml: descriptors[0]: config error, key is not of type string: 1.5'],
    ['non_map_list.yaml', 'non_map_list.yaml: descriptors[0].descriptors[0]: config error, yaml file contains list of type other than map: user; non_map_list.yaml: descriptors[0].descriptors[1]: config error, yaml file contains list of type other than map: region'],
    ['unknown_key.yaml', "unknown_key.yaml: descriptors[0].ratelimit: config error, unknown key 'ratelimit'"],
    [
      'share_threshold_without_wildcard.yaml',
      "share_threshold_without_wildcard.yaml: descriptors[0].share_threshold: share_threshold can only be used with wildcard values (containing '*'), but found key 'path_/v1/cart'",
    ],
    ['requests_per_unit_not_a_number.yaml', 'requests_per_unit_not_a_number.yaml: descriptors[0].rate_limit.requests_per_unit: error loading config file: cannot unmarshal !!str `five` into uint32'],
    ['float_value.yaml', 'float_value.yaml: descriptors[0].rate_limit.requests_per_unit: error checking config'],
    [
      'bad_extension.yaml',
      "bad_extension.yaml: descriptors[0].rate_limit.algorithm: invalid algorithm 'leaky_faucet': must be one of token_bucket, sliding_window, fixed_window, leaky_bucket, gcra, sliding_log; bad_extension.yaml: descriptors[0].rate_limit.failure_mode: invalid failure_mode 'sometimes': must be one of open, closed",
    ],
    [
      'bad_global_scope.yaml',
      "bad_global_scope.yaml: descriptors[0].rate_limit.scope: invalid scope 'global' for 5 per year: a global limit needs a unit up to month and requests_per_unit of at least 1",
    ],
    ['extension_outside_rate_limit.yaml', "extension_outside_rate_limit.yaml: descriptors[0].algorithm: config error, unknown key 'algorithm'"],
    ['not_a_map.yaml', 'not_a_map.yaml: error loading config file: cannot unmarshal !!seq into map[interface {}]interface {}'],
  ])('%s', (fileName, message) => {
    expect(errorOf(() => parseEnvoyConfig(fixture(fileName)))).toBe(message);
  });

  it('refuses a second file for a domain, naming that file', () => {
    expect(errorOf(() => parseEnvoyConfigs([fixture('bad_limit_unit.yaml'), fixture('example1.yaml'), fixture('duplicate_domain.yaml'), fixture('edge.yaml'), { fileName: 'again.yaml', text: 'domain: edge\n' }]))).toBe(
      "bad_limit_unit.yaml: descriptors[0].rate_limit.unit: invalid rate limit unit 'fortnight'; again.yaml: domain: duplicate domain 'edge' in config file",
    );
  });
});

describe('parseEnvoyConfig: good files', () => {
  it('reads the tree, flags and rate limits', () => {
    const config = parseEnvoyConfig(fixture('example2.yaml'));
    expect(config.domain).toBe('messaging');
    expect(config.descriptors).toHaveLength(2);
    expect(config.descriptors[0]).toMatchObject({ key: 'message_type', value: 'marketing', rateLimit: undefined, path: 'descriptors[0]' });
    expect(config.descriptors[0].descriptors[0]).toMatchObject({
      key: 'to_number',
      value: undefined,
      rateLimit: { unlimited: false, unit: 'day', requestsPerUnit: 5, name: undefined, replaces: [] },
      path: 'descriptors[0].descriptors[0]',
    });
  });

  it('reads YAML as envoyproxy/ratelimit does: 1.1 booleans, any scalar as a string, any unit case, empty value is none', () => {
    const config = parseEnvoyConfig({
      fileName: 'yaml11.yaml',
      text: [
        'domain: 42',
        'descriptors:',
        '  - key: on_call',
        '    value: ""',
        '    shadow_mode: yes',
        '    rate_limit: { unit: MINUTE, requests_per_unit: 7, name: 12 }',
        '  - key: flag',
        '    value: true',
        '    share_threshold: off',
        '  - &shared',
        '    key: anchored',
        '    rate_limit: { unlimited: true, requests_per_unit: 9 }',
        'metadata: { anything: [1, 2.5, { goes: here }] }',
      ].join('\n'),
    });
    expect(config.domain).toBe('42');
    expect(config.descriptors.map((d) => [d.key, d.value, d.shadowMode, d.shareThreshold])).toEqual([
      ['on_call', undefined, true, false],
      ['flag', 'true', false, false],
      ['anchored', undefined, false, false],
    ]);
    expect(config.descriptors[0].rateLimit).toMatchObject({ unit: 'minute', requestsPerUnit: 7, name: '12' });
    expect(config.descriptors[2].rateLimit).toMatchObject({ unlimited: true, unit: undefined });
  });

  it('reads our extension', () => {
    const search = parseEnvoyConfig(fixture('edge.yaml')).descriptors.find((d) => d.key === 'search');
    expect(search?.rateLimit).toMatchObject({ algorithm: 'sliding_window', failureMode: 'closed', burst: undefined, scope: undefined });
  });

  it('loads every example of the README', () => {
    for (const file of ['example1.yaml', 'example2.yaml', 'example3.yaml', 'example4.yaml', 'example5.yaml', 'example6.yaml', 'edge.yaml', 'wildcards.yaml']) {
      expect(() => parseEnvoyConfig(fixture(file))).not.toThrow();
    }
  });
});
