import type { CustomerAssignment } from '../policies/customer-assignment';
import type { Policy } from '../policies/policy';
import { POLICY_RULES, readPolicy } from '../policies/validate-policy';
import { fieldPath, FieldReader, indexPath } from '../validation/field-reader';
import type { ValidationResult } from '../validation/validation-result';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Block } from './block.dto';
import { BlockDto } from './block.dto';
import { toFieldErrors } from './class-validator-errors';
import type { PolicySnapshot } from './policy-snapshot';

/**
 * Validates a snapshot as an enforcer receives it (`GET /v1/policies/snapshot`, or its own
 * persisted copy): the revision, every policy and override, and the customer tiers. Fields this
 * version does not know are ignored, so a newer control plane may add some.
 *
 * Only the shape of each entry is checked, not the rules that span entries (unique ids, distinct
 * matches): the control plane enforces those when a change is written, and an enforcer that
 * refused a whole snapshot over them would be left with no policies at all.
 */
export function validatePolicySnapshot(input: unknown): ValidationResult<PolicySnapshot> {
  const reader = new FieldReader();
  const raw = reader.object(input, '');
  if (raw === undefined) return { ok: false, errors: reader.errors };
  const revision = reader.integer(raw.revision, 'revision', { min: 0, max: Number.MAX_SAFE_INTEGER });
  const policies = readPolicies(reader, raw.policies, 'policies');
  const overrides = raw.overrides === undefined ? [] : readPolicies(reader, raw.overrides, 'overrides');
  const customers = raw.customers === undefined ? {} : readCustomers(reader, raw.customers);
  const blocks = raw.blocks === undefined ? [] : readBlocks(reader, raw.blocks);
  overrides.forEach((override, index) => {
    if (override.match.customerId === undefined) reader.fail(fieldPath(indexPath('overrides', index), 'match.customerId'), 'is required');
  });
  if (reader.errors.length > 0) return { ok: false, errors: reader.errors };
  return { ok: true, value: { revision: revision as number, policies, overrides, customers, blocks } };
}

function readPolicies(reader: FieldReader, input: unknown, path: string): Policy[] {
  if (input === undefined) return reader.fail(path, 'is required') ?? [];
  if (!Array.isArray(input)) return reader.fail(path, 'must be an array') ?? [];
  const policies: Policy[] = [];
  input.forEach((item, index) => {
    const policy = readPolicy(reader, item, { path: indexPath(path, index), unknownFields: 'ignore' });
    if (policy !== undefined) policies.push(policy);
  });
  return policies;
}

function readCustomers(reader: FieldReader, input: unknown): Record<string, CustomerAssignment> {
  const raw = reader.object(input, 'customers');
  // No prototype: a customer called "__proto__" is just a key.
  const customers: Record<string, CustomerAssignment> = Object.create(null) as Record<string, CustomerAssignment>;
  if (raw === undefined) return customers;
  for (const [customerId, assignment] of Object.entries(raw)) {
    const path = fieldPath('customers', customerId);
    if (!POLICY_RULES.customerId.pattern.test(customerId)) {
      reader.fail(path, `must be keyed by ${POLICY_RULES.customerId.hint}`);
      continue;
    }
    const value = reader.object(assignment, path);
    const tier = value === undefined ? undefined : reader.string(value.tier, fieldPath(path, 'tier'), POLICY_RULES.customerTier);
    if (tier !== undefined) customers[customerId] = { tier };
  }
  return customers;
}

function readBlocks(reader: FieldReader, input: unknown): Block[] {
  if (!Array.isArray(input)) return reader.fail('blocks', 'must be an array') ?? [];
  const blocks: Block[] = [];
  input.forEach((item, index) => {
    const path = indexPath('blocks', index);
    if (reader.object(item, path) === undefined) return;
    const dto = plainToInstance(BlockDto, item);
    // Unknown fields are stripped (whitelist): a newer control plane may add some.
    const errors = toFieldErrors(validateSync(dto, { whitelist: true, stopAtFirstError: true, validationError: { target: false, value: false } }), path);
    if (errors.length > 0) {
      for (const error of errors) reader.fail(error.path, error.message);
      return;
    }
    blocks.push(dto);
  });
  return blocks;
}
