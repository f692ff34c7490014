import type { CustomerAssignment } from '../policies/customer-assignment';
import type { Policy } from '../policies/policy';
import { validatePolicy } from '../policies/validate-policy';
import type { FieldError } from '../validation/field-error';
import { fieldFailure, parseMessage } from '../validation/parse-message';
import type { ValidationResult } from '../validation/validation-result';
import type { BlockDto } from './block.dto';
import type { PolicyChange, PolicyChangeMessage } from './policy-change';
import { PolicyChangeMessageDto } from './policy-change-message.dto';
import type { PolicyChangeDto } from './policy-change.dto';

/** Larger payloads are rejected before parsing (NATS' default max_payload is 1 MiB too). */
export const POLICY_CHANGE_MESSAGE_MAX_BYTES = PolicyChangeMessageDto.maxBytes;

/**
 * Parses and validates one message of the policy-changes stream, as received (bytes or text).
 * The envelope and change are checked by PolicyChangeMessageDto (parseMessage); the policy of an
 * upsert by validatePolicy, and the change is narrowed to its kind (PolicyChange). Fields this
 * version does not know are dropped, so a newer control plane may add some. Returns the typed
 * message, or every problem with its field path.
 */
export function parsePolicyChangeMessage(input: Uint8Array | string): ValidationResult<PolicyChangeMessage> {
  const parsed = parseMessage(PolicyChangeMessageDto, input);
  if (!parsed.ok) return parsed;
  const change = readChange(parsed.value.change);
  if (!change.ok) return change;
  return { ok: true, value: { revision: parsed.value.revision, committedAt: parsed.value.committedAt, change: change.value } };
}

/** The DTO has passed; what is left is the policy payload and the override's customer. */
function readChange(change: PolicyChangeDto): ValidationResult<PolicyChange> {
  switch (change.kind) {
    case 'policy.upserted': {
      const policy = readPolicy(change.policy);
      return policy.ok ? { ok: true, value: { kind: change.kind, policy: policy.value } } : policy;
    }
    case 'override.upserted': {
      const policy = readPolicy(change.policy);
      if (!policy.ok) return policy;
      const customerId = change.customerId as string;
      const { customerId: matched, ...rest } = policy.value.match;
      if (matched !== customerId || Object.keys(rest).length > 0) {
        return fieldFailure('change.policy.match', `an override must match exactly customerId ${JSON.stringify(customerId)} and nothing else`);
      }
      return { ok: true, value: { kind: change.kind, customerId, policy: policy.value } };
    }
    case 'policy.deleted':
      return { ok: true, value: { kind: change.kind, policyId: change.policyId as string } };
    case 'override.deleted':
    case 'customer.deleted':
      return { ok: true, value: { kind: change.kind, customerId: change.customerId as string } };
    case 'customer.upserted': {
      const assignment: CustomerAssignment = { tier: (change.assignment as CustomerAssignment).tier };
      return { ok: true, value: { kind: change.kind, customerId: change.customerId as string, assignment } };
    }
    case 'block.added':
      return { ok: true, value: { kind: change.kind, block: change.block as BlockDto } };
    case 'block.removed':
      return { ok: true, value: { kind: change.kind, blockId: change.blockId as string } };
    case 'counter.reset':
      return { ok: true, value: { kind: change.kind, policyId: change.policyId as string, key: change.key as string } };
    case 'envoy.domain.replaced':
      return readEnvoyDomain(change.domain as string, change.policies as unknown[]);
  }
}

/** Every policy must be an envoy rule of `domain`. */
function readEnvoyDomain(domain: string, input: readonly unknown[]): ValidationResult<PolicyChange> {
  const policies: Policy[] = [];
  const errors: FieldError[] = [];
  input.forEach((item, index) => {
    const path = `change.policies[${index}]`;
    const policy = validatePolicy(item, { path, unknownFields: 'ignore' });
    if (!policy.ok) errors.push(...policy.errors);
    else if (policy.value.match.envoy?.domain !== domain) errors.push({ path: `${path}.match.envoy.domain`, message: `must be the replaced domain ${JSON.stringify(domain)}` });
    else policies.push(policy.value);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { kind: 'envoy.domain.replaced', domain, policies } };
}

function readPolicy(input: Record<string, unknown> | undefined): ValidationResult<Policy> {
  return validatePolicy(input, { path: 'change.policy', unknownFields: 'ignore' });
}
