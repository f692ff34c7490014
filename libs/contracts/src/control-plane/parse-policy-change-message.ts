import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { CustomerAssignment } from '../policies/customer-assignment';
import type { Policy } from '../policies/policy';
import { validatePolicy } from '../policies/validate-policy';
import type { FieldError } from '../validation/field-error';
import { isPlainObject } from '../validation/field-reader';
import type { ValidationResult } from '../validation/validation-result';
import type { BlockDto } from './block.dto';
import { toFieldErrors } from './class-validator-errors';
import type { PolicyChange, PolicyChangeMessage } from './policy-change';
import { PolicyChangeMessageDto } from './policy-change-message.dto';
import type { PolicyChangeDto } from './policy-change.dto';

/** Larger payloads are rejected before parsing (NATS' default max_payload is 1 MiB too). */
export const POLICY_CHANGE_MESSAGE_MAX_BYTES = 1_048_576;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses and validates one message of the policy-changes stream, as received (bytes or text).
 * The envelope and change are checked by PolicyChangeMessageDto (class-validator); the policy of an
 * upsert by validatePolicy. Fields this version does not know are dropped, so a newer control plane
 * may add some. Returns the typed message, or every problem with its field path.
 */
export function parsePolicyChangeMessage(input: Uint8Array | string): ValidationResult<PolicyChangeMessage> {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > POLICY_CHANGE_MESSAGE_MAX_BYTES) return failure('', `must be at most ${POLICY_CHANGE_MESSAGE_MAX_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(typeof input === 'string' ? input : utf8.decode(input));
  } catch {
    return failure('', 'must be UTF-8 JSON');
  }
  if (!isPlainObject(raw)) return failure('', 'must be an object');

  const dto = plainToInstance(PolicyChangeMessageDto, raw);
  const errors = validateSync(dto, {
    whitelist: true,
    forbidNonWhitelisted: false,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) return { ok: false, errors: toFieldErrors(errors) };

  const change = readChange(dto.change);
  if (!change.ok) return change;
  return { ok: true, value: { revision: dto.revision, committedAt: dto.committedAt, change: change.value } };
}

function failure(path: string, message: string): { ok: false; errors: FieldError[] } {
  return { ok: false, errors: [{ path, message }] };
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
        return failure('change.policy.match', `an override must match exactly customerId ${JSON.stringify(customerId)} and nothing else`);
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
    case 'block.added': {
      const { id, type, value, expiresAt, reason, source } = change.block as BlockDto;
      return { ok: true, value: { kind: change.kind, block: { id, type, value, expiresAt, reason, source } } };
    }
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
