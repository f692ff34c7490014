import { useState } from 'preact/hooks';
import { Field, FormBanner } from '../components';
import { formErrors, NO_ERRORS, type FormErrors } from '../field-errors';
import { formToPolicyBody, policyFormPaths, type PolicyFormState } from '../policy-form';
import { FAILURE_MODES, MODES, POLICY_ALGORITHMS, SCOPES } from '../types';
import { EscalationFields } from './escalation-fields';
import { LimitFields } from './limit-fields';

/**
 * The policy form for create and edit. `submit` gets the request body; if it throws, the API's
 * field errors appear under their fields and the rest above the form.
 */
export function PolicyForm(props: {
  initial: PolicyFormState;
  mode: 'create' | 'edit';
  submitLabel: string;
  submit: (body: Record<string, unknown>) => Promise<void>;
  onCancel?: () => void;
}) {
  const [form, setForm] = useState(props.initial);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);

  const set =
    <K extends keyof PolicyFormState>(name: K) =>
    (event: Event): void => {
      const value = (event.currentTarget as HTMLInputElement | HTMLSelectElement).value as PolicyFormState[K];
      setForm((f) => ({ ...f, [name]: value }));
    };

  const onSubmit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      await props.submit(formToPolicyBody(form, { includeId: props.mode === 'create' }));
    } catch (error) {
      setErrors(formErrors(error, policyFormPaths(form)));
    } finally {
      setBusy(false);
    }
  };

  const text = (name: Exclude<keyof PolicyFormState, 'limits'>, attrs: Record<string, string> = {}) => (
    <input name={name} value={form[name]} onInput={set(name)} autocomplete="off" spellcheck={false} {...attrs} />
  );
  const select = (name: 'algorithm' | 'scope' | 'failureMode' | 'mode', options: readonly string[]) => (
    <select name={name} value={form[name]} onChange={set(name)}>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );

  return (
    <form class="form" onSubmit={(e) => void onSubmit(e)} aria-label={props.mode === 'create' ? 'New policy' : 'Edit policy'} noValidate>
      <FormBanner errors={errors} />
      <fieldset>
        <legend>Policy</legend>
        <div class="grid grid-3">
          {props.mode === 'create' ? (
            <Field label="Id" path="id" errors={errors} hint="a slug: a-z, 0-9 and -">
              {text('id', { placeholder: 'free-tier' })}
            </Field>
          ) : null}
          <Field label="Algorithm" path="algorithm" errors={errors}>
            {select('algorithm', POLICY_ALGORITHMS)}
          </Field>
          {form.algorithm === 'concurrency' ? (
            <>
              <Field label="Limit" path="limit" errors={errors} hint="requests in flight">
                {text('limit', { inputmode: 'numeric', placeholder: '5' })}
              </Field>
              <Field label="Lease (seconds)" path="leaseSeconds" errors={errors} hint="an unreleased lease expires after this">
                {text('leaseSeconds', { inputmode: 'decimal' })}
              </Field>
            </>
          ) : form.limits.length > 0 ? null : (
            <>
              <Field label="Limit" path="limit" errors={errors} hint="requests per window">
                {text('limit', { inputmode: 'numeric', placeholder: '100' })}
              </Field>
              <Field label="Window (seconds)" path="windowSeconds" errors={errors}>
                {text('windowSeconds', { inputmode: 'decimal' })}
              </Field>
              <Field label="Burst" path="burst" errors={errors} hint="defaults to the limit">
                {text('burst', { inputmode: 'numeric' })}
              </Field>
            </>
          )}
        </div>
      </fieldset>
      {form.algorithm === 'concurrency' ? null : <LimitFields value={form.limits} onChange={(limits) => setForm((f) => ({ ...f, limits }))} errors={errors} />}
      <fieldset>
        <legend>Match</legend>
        <Field label="" path="match" errors={errors}>
          <span class="field-hint">Name at least one; a tier and a customer id exclude each other.</span>
        </Field>
        <div class="grid grid-4">
          <Field label="Customer tier" path="match.customerTier" errors={errors}>
            {text('customerTier', { placeholder: 'free' })}
          </Field>
          <Field label="Customer id" path="match.customerId" errors={errors}>
            {text('customerId')}
          </Field>
          <Field label="Route (glob)" path="match.route" errors={errors}>
            {text('route', { placeholder: '/v1/search/**' })}
          </Field>
          <Field label="Method" path="match.method" errors={errors}>
            {text('method', { placeholder: 'GET' })}
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>Behaviour</legend>
        <div class="grid grid-3">
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
      </fieldset>
      <EscalationFields value={form} onChange={(next) => setForm((f) => ({ ...f, ...next }))} errors={errors} />
      <div class="form-actions">
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? 'Saving…' : props.submitLabel}
        </button>
        {props.onCancel !== undefined ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
