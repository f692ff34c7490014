import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ESCALATION_BOUNDS } from '../policies/escalation-settings';
import { ADMIN_MESSAGES } from './admin-bounds';

/**
 * A policy's `escalation` (EscalationSettings): when its denials make the enforcers block a key
 * automatically. `threshold: 0` turns it off for this policy; a field left out takes the
 * enforcer's ESCALATION_* default. At least one field (checked when the policy is normalised).
 */
export class EscalationSettingsDto {
  /** Distinct policies that must deny a key within `windowSeconds`, this one the last (0: never). */
  @IsOptional()
  @IsInt({ message: ADMIN_MESSAGES.escalationThreshold })
  @Min(ESCALATION_BOUNDS.threshold.min, { message: ADMIN_MESSAGES.escalationThreshold })
  @Max(ESCALATION_BOUNDS.threshold.max, { message: ADMIN_MESSAGES.escalationThreshold })
  threshold?: number;

  @IsOptional()
  @IsInt({ message: ADMIN_MESSAGES.escalationWindowSeconds })
  @Min(ESCALATION_BOUNDS.windowSeconds.min, { message: ADMIN_MESSAGES.escalationWindowSeconds })
  @Max(ESCALATION_BOUNDS.windowSeconds.max, { message: ADMIN_MESSAGES.escalationWindowSeconds })
  windowSeconds?: number;

  /** How long the automatic block lasts. */
  @IsOptional()
  @IsInt({ message: ADMIN_MESSAGES.escalationBlockSeconds })
  @Min(ESCALATION_BOUNDS.blockSeconds.min, { message: ADMIN_MESSAGES.escalationBlockSeconds })
  @Max(ESCALATION_BOUNDS.blockSeconds.max, { message: ADMIN_MESSAGES.escalationBlockSeconds })
  blockSeconds?: number;
}
