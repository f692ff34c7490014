import type { ValidationResult } from '../validation/validation-result';
import type { AllocationKey, AllocationUpdate } from './allocation-update';
import { AllocationUpdateDto } from './allocation-update.dto';
import { misalignedWindow, parseGlobalDto } from './parse-global-message';

/**
 * Parses and validates one allocation update as received (bytes or text): the typed update, or
 * every problem with its field path. Unknown fields are dropped.
 */
export function parseAllocationUpdate(input: Uint8Array | string): ValidationResult<AllocationUpdate> {
  const parsed = parseGlobalDto(input, AllocationUpdateDto, 2);
  if (!parsed.ok) return parsed;
  const dto = parsed.value;
  const misaligned = misalignedWindow(dto.windows);
  if (misaligned.length > 0) return { ok: false, errors: misaligned };
  return {
    ok: true,
    value: {
      schema: 1,
      epoch: dto.epoch,
      region: dto.region,
      issuedAtMs: dto.issuedAtMs,
      leaseSeconds: dto.leaseSeconds,
      windows: dto.windows.map((w) => ({
        policyId: w.policyId,
        windowStartMs: w.windowStartMs,
        windowSeconds: w.windowSeconds,
        limit: w.limit,
        keys: w.keys as AllocationKey[],
      })),
    },
  };
}
