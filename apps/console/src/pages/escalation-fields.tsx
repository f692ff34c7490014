import { Field } from '../components';
import type { FormErrors } from '../field-errors';
import type { EscalationChoice, EscalationFormState } from '../policy-form';

const CHOICES: readonly { value: EscalationChoice; label: string }[] = [
  { value: 'default', label: "the enforcers' defaults" },
  { value: 'off', label: 'off: never block for this' },
  { value: 'custom', label: 'custom' },
];

/**
 * A policy's automatic blocks: a key denied by `threshold` distinct policies within the window,
 * this one last, is blocked for the block time. Empty custom fields take the enforcers' defaults.
 */
export function EscalationFields(props: { value: EscalationFormState; onChange: (next: EscalationFormState) => void; errors: FormErrors }) {
  const { value, errors } = props;
  const set = (patch: Partial<EscalationFormState>): void => props.onChange({ ...value, ...patch });
  return (
    <fieldset>
      <legend>Automatic blocks</legend>
      <div class="grid grid-4">
        <Field label="Escalation" path="escalation" errors={errors} hint="denials of several distinct policies block a key">
          <select name="escalation" value={value.escalation} onChange={(e) => set({ escalation: e.currentTarget.value as EscalationChoice })}>
            {CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </Field>
        {value.escalation === 'custom' ? (
          <>
            <Field label="Distinct policies" path="escalation.threshold" errors={errors} hint="this one included; 1 blocks on its first denial">
              <input name="escalationThreshold" inputMode="numeric" value={value.escalationThreshold} onInput={(e) => set({ escalationThreshold: e.currentTarget.value })} autocomplete="off" />
            </Field>
            <Field label="Within (seconds)" path="escalation.windowSeconds" errors={errors} hint="1 to 3600">
              <input name="escalationWindowSeconds" inputMode="numeric" value={value.escalationWindowSeconds} onInput={(e) => set({ escalationWindowSeconds: e.currentTarget.value })} autocomplete="off" />
            </Field>
            <Field label="Block for (seconds)" path="escalation.blockSeconds" errors={errors} hint="1 to 86400">
              <input name="escalationBlockSeconds" inputMode="numeric" value={value.escalationBlockSeconds} onInput={(e) => set({ escalationBlockSeconds: e.currentTarget.value })} autocomplete="off" />
            </Field>
          </>
        ) : null}
      </div>
    </fieldset>
  );
}

/** One line describing a policy's automatic-block settings. */
export function describeEscalation(settings: { threshold?: number; windowSeconds?: number; blockSeconds?: number } | undefined): string {
  if (settings === undefined) return "enforcers' defaults";
  if (settings.threshold === 0) return 'off';
  const parts = [
    settings.threshold === undefined ? 'default threshold' : `${settings.threshold} distinct ${settings.threshold === 1 ? 'policy' : 'policies'}`,
    settings.windowSeconds === undefined ? 'default window' : `within ${settings.windowSeconds}s`,
    settings.blockSeconds === undefined ? 'default block time' : `block ${settings.blockSeconds}s`,
  ];
  return parts.join(', ');
}
