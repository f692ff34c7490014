import type { ValidationResult } from '../validation/validation-result';
import { misalignedWindow, parseGlobalDto } from './parse-global-message';
import type { UsageKey, UsageReport } from './usage-report';
import { UsageReportDto } from './usage-report.dto';

/**
 * Parses and validates one usage report as received (bytes or text): the typed report, or every
 * problem with its field path (`windows[0].keys`). Unknown fields are dropped.
 */
export function parseUsageReport(input: Uint8Array | string): ValidationResult<UsageReport> {
  const parsed = parseGlobalDto(input, UsageReportDto, 3);
  if (!parsed.ok) return parsed;
  const dto = parsed.value;
  const misaligned = misalignedWindow(dto.windows);
  if (misaligned.length > 0) return { ok: false, errors: misaligned };
  return {
    ok: true,
    value: {
      schema: 1,
      region: dto.region,
      instanceId: dto.instanceId,
      sequence: dto.sequence,
      sentAtMs: dto.sentAtMs,
      appliedEpoch: dto.appliedEpoch,
      windows: dto.windows.map((w) => ({
        policyId: w.policyId,
        windowStartMs: w.windowStartMs,
        windowSeconds: w.windowSeconds,
        limit: w.limit,
        keys: w.keys as UsageKey[],
      })),
    },
  };
}
