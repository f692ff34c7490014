import { PRINTABLE_PATTERN } from '../check/check-bounds';
import { fieldPath, FieldReader, indexPath, isPlainObject } from '../validation/field-reader';
import { ENVOY_RATE_LIMIT_KINDS, ENVOY_RULE_BOUNDS, type EnvoyDescriptorEntry, type EnvoyDescriptorMatch, type EnvoyRule } from './envoy-rule';
import { ENVOY_UNITS } from './envoy-unit';

const printable = new RegExp(PRINTABLE_PATTERN, 'u');

function text(maxLength: number, what: string): { pattern: { test(v: string): boolean }; hint: string } {
  return {
    pattern: { test: (v: string) => v.length <= maxLength && printable.test(v) },
    hint: `${what} of 1 to ${maxLength} printable characters`,
  };
}

export const ENVOY_RULE_TEXT = {
  domain: text(ENVOY_RULE_BOUNDS.domainMaxLength, 'a domain'),
  key: text(ENVOY_RULE_BOUNDS.keyMaxLength, 'a descriptor key'),
  value: text(ENVOY_RULE_BOUNDS.valueMaxLength, 'a descriptor value'),
  name: text(ENVOY_RULE_BOUNDS.nameMaxLength, 'a rate limit name'),
} as const;

const MATCH_FIELDS = ['domain', 'descriptors'];
const ENTRY_FIELDS = ['key', 'value'];
const RULE_FIELDS = ['position', 'rateLimit', 'unit', 'name', 'replaces', 'shareThreshold', 'quotaMode', 'detailedMetric', 'valueToMetric'];

/** Reads `match.envoy`: the domain and the descriptor path, 1 to depthMax entries. */
export function readEnvoyMatch(reader: FieldReader, input: unknown, path: string, options: { unknownFields?: 'reject' | 'ignore' }): EnvoyDescriptorMatch | undefined {
  const raw = reader.object(input, path);
  if (raw === undefined) return undefined;
  if (options.unknownFields !== 'ignore') reader.knownKeys(raw, path, MATCH_FIELDS);
  const before = reader.errors.length;
  const domain = reader.string(raw.domain, fieldPath(path, 'domain'), ENVOY_RULE_TEXT.domain);
  const descriptorsPath = fieldPath(path, 'descriptors');
  const descriptors: EnvoyDescriptorEntry[] = [];
  if (!Array.isArray(raw.descriptors)) {
    reader.fail(descriptorsPath, raw.descriptors === undefined ? 'is required' : 'must be an array');
  } else if (raw.descriptors.length < 1 || raw.descriptors.length > ENVOY_RULE_BOUNDS.depthMax) {
    reader.fail(descriptorsPath, `must hold 1 to ${ENVOY_RULE_BOUNDS.depthMax} entries`);
  } else {
    raw.descriptors.forEach((item, index) => {
      const at = indexPath(descriptorsPath, index);
      const entry = reader.object(item, at);
      if (entry === undefined) return;
      if (options.unknownFields !== 'ignore') reader.knownKeys(entry, at, ENTRY_FIELDS);
      const key = reader.string(entry.key, fieldPath(at, 'key'), ENVOY_RULE_TEXT.key);
      const value = entry.value === undefined ? undefined : reader.string(entry.value, fieldPath(at, 'value'), ENVOY_RULE_TEXT.value);
      if (key !== undefined) descriptors.push(value === undefined ? { key } : { key, value });
    });
  }
  if (reader.errors.length > before) return undefined;
  return { domain: domain as string, descriptors };
}

/** Reads a policy's `envoy` block (see EnvoyRule); booleans and `replaces` default to false and empty. */
export function readEnvoyRule(reader: FieldReader, input: unknown, path: string, options: { unknownFields?: 'reject' | 'ignore' }): EnvoyRule | undefined {
  const raw = reader.object(input, path);
  if (raw === undefined) return undefined;
  if (options.unknownFields !== 'ignore') reader.knownKeys(raw, path, RULE_FIELDS);
  const at = (key: string): string => fieldPath(path, key);
  const before = reader.errors.length;
  const position = reader.integer(raw.position, at('position'), { min: 0, max: ENVOY_RULE_BOUNDS.descriptorsMax - 1 });
  const rateLimit = reader.oneOf(raw.rateLimit, at('rateLimit'), ENVOY_RATE_LIMIT_KINDS);
  let unit: EnvoyRule['unit'];
  if (rateLimit === 'limited') unit = reader.oneOf(raw.unit, at('unit'), ENVOY_UNITS);
  else if (raw.unit !== undefined) reader.fail(at('unit'), 'is only for a limited rate limit');
  const name = raw.name === undefined ? undefined : reader.string(raw.name, at('name'), ENVOY_RULE_TEXT.name);
  const replaces: string[] = [];
  if (raw.replaces !== undefined) {
    if (!Array.isArray(raw.replaces) || raw.replaces.length > ENVOY_RULE_BOUNDS.replacesMax) {
      reader.fail(at('replaces'), `must be an array of at most ${ENVOY_RULE_BOUNDS.replacesMax} names`);
    } else {
      raw.replaces.forEach((item, index) => {
        const replaced = reader.string(item, indexPath(at('replaces'), index), ENVOY_RULE_TEXT.name);
        if (replaced !== undefined) replaces.push(replaced);
      });
    }
  }
  const flag = (key: string): boolean => {
    const value = raw[key];
    if (value === undefined) return false;
    if (typeof value !== 'boolean') reader.fail(at(key), 'must be a boolean');
    return value === true;
  };
  const rule: EnvoyRule = {
    position: position as number,
    rateLimit: rateLimit as EnvoyRule['rateLimit'],
    ...(unit === undefined ? {} : { unit }),
    ...(name === undefined ? {} : { name }),
    replaces,
    shareThreshold: flag('shareThreshold'),
    quotaMode: flag('quotaMode'),
    detailedMetric: flag('detailedMetric'),
    valueToMetric: flag('valueToMetric'),
  };
  return reader.errors.length > before ? undefined : rule;
}

/** True when `match` names an envoy descriptor path (the policy is an imported envoy rule). */
export function hasEnvoyMatch(match: unknown): boolean {
  return isPlainObject(match) && match.envoy !== undefined;
}
