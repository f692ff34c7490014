import { Field } from '../components';
import type { FormErrors } from '../field-errors';
import { emptyLimitForm, limitPath, type LimitFormState, type LimitWindowChoice } from '../policy-form';
import { ALGORITHMS, CALENDAR_WINDOWS, SCOPES } from '../types';

/** Stacked limits a policy may hold at most (POLICY_LIMIT_BOUNDS.maxLimits of the API). */
const MAX_LIMITS = 8;

const WINDOW_CHOICES: readonly { value: LimitWindowChoice; label: string }[] = [
  { value: 'seconds', label: 'seconds' },
  ...CALENDAR_WINDOWS.map((window) => ({ value: window, label: window.replace('calendar-', 'calendar ') })),
];

/**
 * A policy's stacked limits ("10 per second, 1,000 per minute, 100,000 per calendar month"):
 * every limit must admit a request, which then counts against all of them. Each limit has a name,
 * a limit, a window in seconds or a calendar window in a time zone, and optionally its own
 * algorithm, burst and scope (a global limit is shared by all regions, a regional one counted in
 * each). The API's messages appear under each limit's own field (`limits[1].limit`).
 */
export function LimitFields(props: { value: readonly LimitFormState[]; onChange: (next: LimitFormState[]) => void; errors: FormErrors }) {
  const { value, errors } = props;
  const update = (index: number, patch: Partial<LimitFormState>): void => props.onChange(value.map((limit, i) => (i === index ? { ...limit, ...patch } : limit)));
  const remove = (index: number): void => props.onChange(value.filter((_limit, i) => i !== index));
  const input = (index: number, name: 'name' | 'limit' | 'windowSeconds' | 'timeZone' | 'burst', attrs: Record<string, string> = {}) => (
    <input name={`${limitPath(index)}.${name}`} value={value[index][name]} onInput={(e) => update(index, { [name]: e.currentTarget.value })} autocomplete="off" spellcheck={false} {...attrs} />
  );
  return (
    <fieldset aria-label="Stacked limits">
      <legend>Stacked limits</legend>
      <Field label="" path="limits" errors={errors}>
        <span class="field-hint">
          {value.length === 0
            ? 'One limit (above). Add limits to require several at once, e.g. per second, per minute and per calendar month.'
            : "Every limit must admit a request, which then counts against all of them. The policy's limit, window and burst are those of the shortest window."}
        </span>
      </Field>
      {value.map((limit, index) => (
        <div key={index} class="grid grid-4 stacked-limit" data-limit-index={index} aria-label={`Limit ${index + 1}`} role="group">
          <Field label="Name" path={limitPath(index, 'name')} errors={errors} hint="a-z, 0-9 and -">
            {input(index, 'name', { placeholder: 'minute' })}
          </Field>
          <Field label="Limit" path={limitPath(index, 'limit')} errors={errors} hint="requests per window">
            {input(index, 'limit', { inputmode: 'numeric', placeholder: '1000' })}
          </Field>
          <Field label="Window" path={limitPath(index, 'window')} errors={errors}>
            <select name={`${limitPath(index)}.window`} value={limit.window} onChange={(e) => update(index, { window: e.currentTarget.value as LimitWindowChoice })}>
              {WINDOW_CHOICES.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
          </Field>
          {limit.window === 'seconds' ? (
            <>
              <Field label="Window (seconds)" path={limitPath(index, 'windowSeconds')} errors={errors}>
                {input(index, 'windowSeconds', { inputmode: 'decimal' })}
              </Field>
              <Field label="Algorithm" path={limitPath(index, 'algorithm')} errors={errors} hint="defaults to the policy's">
                <select name={`${limitPath(index)}.algorithm`} value={limit.algorithm} onChange={(e) => update(index, { algorithm: e.currentTarget.value as LimitFormState['algorithm'] })}>
                  <option value="">the policy's</option>
                  {ALGORITHMS.map((algorithm) => (
                    <option key={algorithm} value={algorithm}>
                      {algorithm}
                    </option>
                  ))}
                </select>
              </Field>
            </>
          ) : (
            <Field label="Time zone" path={limitPath(index, 'timeZone')} errors={errors} hint="IANA, e.g. Europe/Berlin; resets at local midnight">
              {input(index, 'timeZone', { placeholder: 'UTC' })}
            </Field>
          )}
          <Field label="Burst" path={limitPath(index, 'burst')} errors={errors} hint="defaults to the limit">
            {input(index, 'burst', { inputmode: 'numeric' })}
          </Field>
          <Field label="Scope" path={limitPath(index, 'scope')} errors={errors} hint="global: one limit shared by all regions">
            <select name={`${limitPath(index)}.scope`} value={limit.scope} onChange={(e) => update(index, { scope: e.currentTarget.value as LimitFormState['scope'] })}>
              <option value="">the policy's</option>
              {SCOPES.map((scope) => (
                <option key={scope} value={scope}>
                  {scope}
                </option>
              ))}
            </select>
          </Field>
          <Field label="" path={limitPath(index)} errors={errors}>
            <button type="button" onClick={() => remove(index)} aria-label={`Remove limit ${index + 1}`}>
              Remove
            </button>
          </Field>
        </div>
      ))}
      {value.length < MAX_LIMITS ? (
        <div class="form-actions">
          <button type="button" onClick={() => props.onChange([...value, emptyLimitForm()])}>
            Add limit
          </button>
        </div>
      ) : null}
    </fieldset>
  );
}
