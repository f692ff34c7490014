import {
  CHECK_BOUNDS,
  ENVOY_RULE_BOUNDS,
  ENVOY_RULE_TEXT,
  ENVOY_UNIT_SECONDS,
  ENVOY_UNITS,
  FAILURE_MODES,
  POLICY_ALGORITHMS,
  POLICY_SCOPES,
  type EnvoyUnit,
  type FailureMode,
  type PolicyAlgorithm,
  type PolicyScope,
} from '@rl/contracts';
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Scalar, type YAMLMap } from 'yaml';
import type { EnvoyDescriptorConfig, EnvoyDomainConfig, EnvoyRateLimitConfig } from './envoy-config';
import { EnvoyConfigError, type EnvoyConfigProblem } from './envoy-config-error';

/**
 * Every key envoyproxy/ratelimit accepts, at any level (its check is not per level: a known key at
 * a level where it means nothing is ignored, as there).
 */
const ENVOY_KEYS: ReadonlySet<string> = new Set([
  'domain',
  'key',
  'value',
  'descriptors',
  'rate_limit',
  'unit',
  'requests_per_unit',
  'unlimited',
  'shadow_mode',
  'quota_mode',
  'name',
  'replaces',
  'detailed_metric',
  'value_to_metric',
  'share_threshold',
  'metadata',
]);

/** Our extension, accepted inside `rate_limit` only. */
const EXTENSION_KEYS: ReadonlySet<string> = new Set(['algorithm', 'burst', 'scope', 'failure_mode']);

const UINT32_MAX = 4_294_967_295;

type YamlValue = unknown;

/** Problems of one file, collected with their paths. */
class Problems {
  readonly list: EnvoyConfigProblem[] = [];
  constructor(private readonly file: string) {}

  add(path: string, message: string): undefined {
    this.list.push({ file: this.file, path, message });
    return undefined;
  }

  get size(): number {
    return this.list.length;
  }
}

function at(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** The node behind an alias, as the YAML it stands for. */
function resolve(doc: Document, node: YamlValue): YamlValue {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** go-yaml's name of a value's type, for "cannot unmarshal" messages. */
function tagOf(node: YamlValue): string {
  if (isMap(node)) return '!!map';
  if (isSeq(node)) return '!!seq';
  if (!isScalar(node)) return '!!null';
  const value = node.value;
  if (value === null) return '!!null';
  if (typeof value === 'boolean') return '!!bool';
  if (typeof value === 'number') return Number.isInteger(value) ? '!!int' : '!!float';
  if (value instanceof Date) return '!!timestamp';
  return '!!str';
}

/** A scalar's text as written (what go-yaml stores into a string field). */
function scalarText(node: Scalar): string {
  if (typeof node.value === 'string') return node.value;
  return node.source ?? String(node.value);
}

/** Pass 1, envoyproxy/ratelimit's key check: string keys, known keys, lists of maps, plain leaves. */
function checkKeys(input: { doc: Document; node: YamlValue; path: string; inRateLimit: boolean; problems: Problems }): void {
  const { doc, problems } = input;
  const node = resolve(doc, input.node);
  if (isMap(node)) {
    for (const pair of node.items) {
      const keyNode = resolve(doc, pair.key);
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
        const shown = isScalar(keyNode) ? scalarText(keyNode) : tagOf(keyNode);
        problems.add(input.path, `config error, key is not of type string: ${shown}`);
        continue;
      }
      const key = keyNode.value;
      const path = at(input.path, key);
      if (!ENVOY_KEYS.has(key) && !(input.inRateLimit && EXTENSION_KEYS.has(key))) {
        problems.add(path, `config error, unknown key '${key}'`);
        continue;
      }
      // metadata is free-form: envoyproxy/ratelimit hands it to Envoy as it is.
      if (key === 'metadata') continue;
      checkValue({ doc, node: pair.value, path, inRateLimit: key === 'rate_limit', problems });
    }
  }
}

function checkValue(input: { doc: Document; node: YamlValue; path: string; inRateLimit: boolean; problems: Problems }): void {
  const { doc, problems, path } = input;
  const node = resolve(doc, input.node);
  if (isSeq(node)) {
    node.items.forEach((raw, index) => {
      const item = resolve(doc, raw);
      const itemPath = `${path}[${index}]`;
      if (!isMap(item)) {
        const shown = isScalar(item) ? scalarText(item) : tagOf(item);
        problems.add(itemPath, `config error, yaml file contains list of type other than map: ${shown}`);
      } else {
        checkKeys({ doc, node: item, path: itemPath, inRateLimit: false, problems });
      }
    });
  } else if (isMap(node)) {
    checkKeys({ doc, node, path, inRateLimit: input.inRateLimit, problems });
  } else if (isScalar(node)) {
    const tag = tagOf(node);
    if (tag === '!!float') problems.add(path, 'error checking config');
  }
}

/** Pass 2: the typed fields, read as go-yaml reads them into envoyproxy/ratelimit's structs. */
class FieldReader {
  constructor(
    private readonly doc: Document,
    readonly problems: Problems,
  ) {}

  get(map: YAMLMap, key: string): YamlValue {
    return resolve(this.doc, map.get(key, true));
  }

  cannot(node: YamlValue, path: string, type: string): undefined {
    const shown = isScalar(node) ? ` \`${scalarText(node)}\`` : '';
    return this.problems.add(path, `error loading config file: cannot unmarshal ${tagOf(node)}${shown} into ${type}`);
  }

  /** A string field: any scalar, as written; null or absent is empty. */
  string(map: YAMLMap, key: string, path: string): string {
    const node = this.get(map, key);
    if (node === undefined || (isScalar(node) && node.value === null)) return '';
    if (!isScalar(node)) return this.cannot(node, at(path, key), 'string') ?? '';
    return scalarText(node);
  }

  bool(map: YAMLMap, key: string, path: string): boolean {
    const node = this.get(map, key);
    if (node === undefined || (isScalar(node) && node.value === null)) return false;
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    return this.cannot(node, at(path, key), 'bool') ?? false;
  }

  uint32(map: YAMLMap, key: string, path: string): number {
    const node = this.get(map, key);
    if (node === undefined || (isScalar(node) && node.value === null)) return 0;
    if (isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value) && node.value >= 0 && node.value <= UINT32_MAX) return node.value;
    return this.cannot(node, at(path, key), 'uint32') ?? 0;
  }

  /** A list of maps (pass 1 has checked the items); null or absent is empty. */
  maps(map: YAMLMap, key: string, path: string, type: string): YAMLMap[] {
    const node = this.get(map, key);
    if (node === undefined || (isScalar(node) && node.value === null)) return [];
    if (!isSeq(node)) return this.cannot(node, at(path, key), type) ?? [];
    return node.items.map((item) => resolve(this.doc, item)).filter((item): item is YAMLMap => isMap(item));
  }

  /** A nested map; null or absent is none. */
  map(map: YAMLMap, key: string, path: string, type: string): YAMLMap | undefined {
    const node = this.get(map, key);
    if (node === undefined || (isScalar(node) && node.value === null)) return undefined;
    if (!isMap(node)) return this.cannot(node, at(path, key), type);
    return node;
  }

  has(map: YAMLMap, key: string): boolean {
    const node = this.get(map, key);
    return node !== undefined && !(isScalar(node) && node.value === null);
  }
}

/** Pass 3: what envoyproxy/ratelimit checks while loading descriptors, plus our bounds. */
class DescriptorLoader {
  private count = 0;

  constructor(
    private readonly reader: FieldReader,
    private readonly problems: Problems,
  ) {}

  load(input: { maps: readonly YAMLMap[]; path: string; parentKey: string; depth: number }): EnvoyDescriptorConfig[] {
    const seen = new Set<string>();
    const loaded: EnvoyDescriptorConfig[] = [];
    input.maps.forEach((map, index) => {
      const path = `${input.path}[${index}]`;
      const descriptor = this.descriptor({ map, path, parentKey: input.parentKey, depth: input.depth, seen });
      if (descriptor !== undefined) loaded.push(descriptor);
    });
    return loaded;
  }

  private descriptor(input: { map: YAMLMap; path: string; parentKey: string; depth: number; seen: Set<string> }): EnvoyDescriptorConfig | undefined {
    const { map, path } = input;
    const reader = this.reader;
    const key = reader.string(map, 'key', path);
    const rawValue = reader.string(map, 'value', path);
    const value = rawValue === '' ? undefined : rawValue;
    const before = this.problems.size;
    this.count += 1;
    if (this.count === ENVOY_RULE_BOUNDS.descriptorsMax + 1) this.problems.add(path, `a file may hold at most ${ENVOY_RULE_BOUNDS.descriptorsMax} descriptors`);
    if (input.depth > ENVOY_RULE_BOUNDS.depthMax) this.problems.add(path, `descriptors may nest at most ${ENVOY_RULE_BOUNDS.depthMax} levels deep`);
    if (key === '') {
      this.problems.add(at(path, 'key'), 'descriptor has empty key');
    } else if (!ENVOY_RULE_TEXT.key.pattern.test(key)) {
      this.problems.add(at(path, 'key'), `must be ${ENVOY_RULE_TEXT.key.hint}`);
    }
    if (value !== undefined && !ENVOY_RULE_TEXT.value.pattern.test(value)) this.problems.add(at(path, 'value'), `must be ${ENVOY_RULE_TEXT.value.hint}`);

    // The key of this level in envoyproxy/ratelimit: key, or key_value.
    const finalKey = value === undefined ? key : `${key}_${value}`;
    const composite = input.parentKey + finalKey;
    if (key !== '') {
      if (input.seen.has(finalKey)) this.problems.add(path, `duplicate descriptor composite key '${composite}'`);
      input.seen.add(finalKey);
    }

    const rateLimitMap = reader.map(map, 'rate_limit', path, 'config.YamlRateLimit');
    const rateLimit = rateLimitMap === undefined ? undefined : this.rateLimit(rateLimitMap, at(path, 'rate_limit'));
    const shareThreshold = reader.bool(map, 'share_threshold', path);
    if (shareThreshold && !finalKey.includes('*')) {
      this.problems.add(at(path, 'share_threshold'), `share_threshold can only be used with wildcard values (containing '*'), but found key '${finalKey}'`);
    }
    const descriptor: EnvoyDescriptorConfig = {
      key,
      value,
      rateLimit,
      shadowMode: reader.bool(map, 'shadow_mode', path),
      quotaMode: reader.bool(map, 'quota_mode', path),
      detailedMetric: reader.bool(map, 'detailed_metric', path),
      valueToMetric: reader.bool(map, 'value_to_metric', path),
      shareThreshold,
      descriptors: this.load({
        maps: reader.maps(map, 'descriptors', path, '[]config.YamlDescriptor'),
        path: at(path, 'descriptors'),
        parentKey: `${composite}.`,
        depth: input.depth + 1,
      }),
      path,
    };
    return this.problems.size > before ? undefined : descriptor;
  }

  private rateLimit(map: YAMLMap, path: string): EnvoyRateLimitConfig | undefined {
    const reader = this.reader;
    const before = this.problems.size;
    const unlimited = reader.bool(map, 'unlimited', path);
    const unitText = reader.string(map, 'unit', path);
    const unit = ENVOY_UNITS.find((u) => u === unitText.toLowerCase());
    if (unlimited) {
      if (unit !== undefined) this.problems.add(at(path, 'unit'), 'should not specify rate limit unit when unlimited');
    } else if (unit === undefined) {
      this.problems.add(at(path, 'unit'), `invalid rate limit unit '${unitText}'`);
    }
    const requestsPerUnit = reader.uint32(map, 'requests_per_unit', path);
    if (!unlimited && requestsPerUnit > ENVOY_RULE_BOUNDS.requestsPerUnitMax) {
      this.problems.add(at(path, 'requests_per_unit'), `${requestsPerUnit} is more than ${ENVOY_RULE_BOUNDS.requestsPerUnitMax}, the most this service counts per unit`);
    }
    const nameText = reader.string(map, 'name', path);
    const name = nameText === '' ? undefined : nameText;
    if (name !== undefined && !ENVOY_RULE_TEXT.name.pattern.test(name)) this.problems.add(at(path, 'name'), `must be ${ENVOY_RULE_TEXT.name.hint}`);
    const replacesMaps = reader.maps(map, 'replaces', path, '[]config.yamlReplaces');
    if (replacesMaps.length > ENVOY_RULE_BOUNDS.replacesMax) this.problems.add(at(path, 'replaces'), `may name at most ${ENVOY_RULE_BOUNDS.replacesMax} rate limits`);
    const replaces = replacesMaps.map((entry, index) => {
      const entryPath = `${at(path, 'replaces')}[${index}]`;
      const replaced = reader.string(entry, 'name', entryPath);
      if (replaced === '') this.problems.add(at(entryPath, 'name'), 'should not have an empty replaces entry');
      else if (replaced === nameText) this.problems.add(at(entryPath, 'name'), 'replaces should not contain name of same descriptor');
      else if (!ENVOY_RULE_TEXT.name.pattern.test(replaced)) this.problems.add(at(entryPath, 'name'), `must be ${ENVOY_RULE_TEXT.name.hint}`);
      return replaced;
    });
    const algorithm = this.extension<PolicyAlgorithm>({ map, key: 'algorithm', path, values: POLICY_ALGORITHMS });
    const scope = this.extension<PolicyScope>({ map, key: 'scope', path, values: POLICY_SCOPES });
    const failureMode = this.extension<FailureMode>({ map, key: 'failure_mode', path, values: FAILURE_MODES });
    let burst: number | undefined;
    if (reader.has(map, 'burst')) {
      burst = reader.uint32(map, 'burst', path);
      if (burst < 1 || burst > CHECK_BOUNDS.limitMax) this.problems.add(at(path, 'burst'), `invalid burst '${burst}': must be from 1 to ${CHECK_BOUNDS.limitMax}`);
    }
    // One limit across regions is allocated by the reconciler in windows of at most 30 days, of at least one request.
    if (scope === 'global' && !unlimited && unit !== undefined && (ENVOY_UNIT_SECONDS[unit] > CHECK_BOUNDS.windowSecondsMax || requestsPerUnit === 0)) {
      this.problems.add(at(path, 'scope'), `invalid scope 'global' for ${requestsPerUnit} per ${unit}: a global limit needs a unit up to month and requests_per_unit of at least 1`);
    }
    if (this.problems.size > before) return undefined;
    return { unlimited, unit: unlimited ? undefined : (unit as EnvoyUnit), requestsPerUnit, name, replaces, algorithm, burst, scope, failureMode };
  }

  private extension<T extends string>(input: { map: YAMLMap; key: string; path: string; values: readonly T[] }): T | undefined {
    if (!this.reader.has(input.map, input.key)) return undefined;
    const text = this.reader.string(input.map, input.key, input.path);
    const value = input.values.find((v) => v === text);
    if (value === undefined) this.problems.add(at(input.path, input.key), `invalid ${input.key} '${text}': must be one of ${input.values.join(', ')}`);
    return value;
  }
}

/**
 * Parses one envoyproxy/ratelimit configuration file (one domain) into a validated descriptor tree,
 * with envoyproxy/ratelimit's semantics and error classes (see the README of this library):
 * YAML 1.1 as go-yaml reads it (`yes`/`no` are booleans, scalars of any type fill string fields);
 * unknown keys, non-string keys, lists of anything but maps and non-integer numbers are refused;
 * then the domain, each descriptor's key, its duplicates (`key` or `key_value` at one level),
 * units, `unlimited`, `replaces` and `share_threshold` are checked. Throws EnvoyConfigError with
 * every problem found, each naming the file and the path inside it.
 */
export function parseEnvoyConfig(input: { fileName: string; text: string }): EnvoyDomainConfig {
  const problems = new Problems(input.fileName);
  const doc = parseDocument(input.text, { version: '1.1', uniqueKeys: true, prettyErrors: false });
  const syntax = [...doc.errors];
  if (syntax.length > 0) {
    throw new EnvoyConfigError([{ file: input.fileName, path: '', message: `error loading config file: ${syntax[0].message.split('\n')[0]}` }]);
  }
  const root = resolve(doc, doc.contents);
  if (root !== null && root !== undefined && !(isScalar(root) && root.value === null) && !isMap(root)) {
    throw new EnvoyConfigError([{ file: input.fileName, path: '', message: `error loading config file: cannot unmarshal ${tagOf(root)} into map[interface {}]interface {}` }]);
  }
  if (!isMap(root)) throw new EnvoyConfigError([{ file: input.fileName, path: 'domain', message: 'config file cannot have empty domain' }]);

  checkKeys({ doc, node: root, path: '', inRateLimit: false, problems });
  if (problems.size > 0) throw new EnvoyConfigError(problems.list);

  const reader = new FieldReader(doc, problems);
  const domain = reader.string(root, 'domain', '');
  const descriptorMaps = reader.maps(root, 'descriptors', '', '[]config.YamlDescriptor');
  if (problems.size > 0) throw new EnvoyConfigError(problems.list);

  if (domain === '') throw new EnvoyConfigError([{ file: input.fileName, path: 'domain', message: 'config file cannot have empty domain' }]);
  if (!ENVOY_RULE_TEXT.domain.pattern.test(domain)) problems.add('domain', `must be ${ENVOY_RULE_TEXT.domain.hint}`);
  const descriptors = new DescriptorLoader(reader, problems).load({ maps: descriptorMaps, path: 'descriptors', parentKey: `${domain}.`, depth: 1 });
  if (problems.size > 0) throw new EnvoyConfigError(problems.list);
  return { fileName: input.fileName, domain, descriptors };
}

/**
 * Loads several files, as envoyproxy/ratelimit loads its runtime directory: each file one domain,
 * no domain twice (`duplicate domain '<domain>' in config file`, naming the later file). Every
 * file is checked; the error lists the problems of all of them.
 */
export function parseEnvoyConfigs(files: readonly { fileName: string; text: string }[]): EnvoyDomainConfig[] {
  const problems: EnvoyConfigProblem[] = [];
  const configs: EnvoyDomainConfig[] = [];
  const domains = new Set<string>();
  for (const file of files) {
    try {
      const config = parseEnvoyConfig(file);
      if (domains.has(config.domain)) {
        problems.push({ file: file.fileName, path: 'domain', message: `duplicate domain '${config.domain}' in config file` });
        continue;
      }
      domains.add(config.domain);
      configs.push(config);
    } catch (error) {
      if (!(error instanceof EnvoyConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new EnvoyConfigError(problems);
  return configs;
}
