import { useState } from 'preact/hooks';
import { Field, FormBanner } from '../components';
import { formErrors, NO_ERRORS, type FormErrors } from '../field-errors';
import { formToOverrideBody, OVERRIDE_FORM_PATHS, type OverrideFormState } from '../override-form';
import { ALGORITHMS, FAILURE_MODES, MODES, SCOPES } from '../types';
import { EscalationFields } from './escalation-fields';

/**
 * The override form: every field PUT /admin/limits accepts (limit and window, algorithm, burst,
 * scope, failure mode, mode, automatic blocks). `fixedCustomer` hides the customer input when
 * the page is already one override's. The API's field errors appear under their fields.
 */
export function OverrideForm(props: {
  initial: OverrideFormState;
  fixedCustomer?: boolean;
  submitLabel: string;
  submit: (body: Record<string, unknown>) => Promise<void>;
  /** Called after a successful submit with the state to show next. */
  resetTo?: OverrideFormState;
}) {
  const [form, setForm] = useState(props.initial);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setErrors(NO_ERRORS);
    setBusy(true);
    try {
      await props.submit(formToOverrideBody(form));
      if (props.resetTo !== undefined) setForm(props.resetTo);
    } catch (error) {
      setErrors(formErrors(error, OVERRIDE_FORM_PATHS));
    } finally {
      setBusy(false);
    }
  };

  const text = (name: 'customer_id' | 'limit' | 'window' | 'burst', attrs: Record<string, string> = {}) => (
    <input name={name} value={form[name]} onInput={(e) => setForm({ ...form, [name]: e.currentTarget.value })} autocomplete="off" spellcheck={false} {...attrs} />
  );
  const select = (name: 'algorithm' | 'scope' | 'failureMode' | 'mode', options: readonly string[]) => (
    <select name={name} value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.currentTarget.value })}>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );

  return (
    <form class="form" onSubmit={(e) => void onSubmit(e)} aria-label="Set override" noValidate>
      <FormBanner errors={errors} />
      <div class="grid grid-4">
        {props.fixedCustomer === true ? null : (
          <Field label="Customer id" path="customer_id" errors={errors}>
            {text('customer_id')}
          </Field>
        )}
        <Field label="Limit" path="limit" errors={errors}>
          {text('limit', { inputmode: 'numeric' })}
        </Field>
        <Field label="Window" path="window" errors={errors} hint='seconds, or "30s", "1m", "1h", "1d"'>
          {text('window')}
        </Field>
        <Field label="Algorithm" path="algorithm" errors={errors}>
          {select('algorithm', ALGORITHMS)}
        </Field>
        <Field label="Burst" path="burst" errors={errors} hint="defaults to the limit">
          {text('burst', { inputmode: 'numeric' })}
        </Field>
        <Field label="Scope" path="scope" errors={errors} hint="global: one limit shared by every region">
          {select('scope', SCOPES)}
        </Field>
        <Field label="When the store fails" path="failureMode" errors={errors}>
          {select('failureMode', FAILURE_MODES)}
        </Field>
        <Field label="Mode" path="mode" errors={errors} hint="shadow: count, never deny">
          {select('mode', MODES)}
        </Field>
      </div>
      <EscalationFields value={form} onChange={(next) => setForm({ ...form, ...next })} errors={errors} />
      <div class="form-actions">
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? 'Saving…' : props.submitLabel}
        </button>
      </div>
    </form>
  );
}
