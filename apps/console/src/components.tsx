import type { ComponentChildren } from 'preact';
import { errorText } from './api';
import type { FormErrors } from './field-errors';
import { formatCount, percentOf } from './format';

/** A labelled form control with its inline message from the API (by field path). */
export function Field(props: { label: string; path: string; errors: FormErrors; hint?: string; children: ComponentChildren }) {
  const message = props.errors.byPath[props.path];
  return (
    <label class={`field${message === undefined ? '' : ' field-invalid'}`} data-path={props.path}>
      <span class="field-label">{props.label}</span>
      {props.children}
      {message !== undefined ? (
        <span class="field-error" role="alert">
          {message}
        </span>
      ) : props.hint !== undefined ? (
        <span class="field-hint">{props.hint}</span>
      ) : null}
    </label>
  );
}

/** The messages of a failed submit that belong to no field on the form. */
export function FormBanner(props: { errors: FormErrors }) {
  if (props.errors.general.length === 0) return null;
  return (
    <div class="banner banner-error" role="alert">
      {props.errors.general.map((m) => (
        <div key={m}>{m}</div>
      ))}
    </div>
  );
}

export function ErrorBanner(props: { error: unknown; onRetry?: () => void }) {
  return (
    <div class="banner banner-error" role="alert">
      <span>{errorText(props.error)}</span>
      {props.onRetry !== undefined ? (
        <button type="button" class="button-link" onClick={props.onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function Notice(props: { kind: 'success' | 'info' | 'warning'; children: ComponentChildren }) {
  return (
    <div class={`banner banner-${props.kind}`} role="status">
      {props.children}
    </div>
  );
}

export function Loading(props: { what: string }) {
  return (
    <div class="loading" aria-busy="true">
      <span class="spinner" aria-hidden="true" /> Loading {props.what}…
    </div>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <div class="empty">{props.children}</div>;
}

export function Badge(props: { tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info'; children: ComponentChildren }) {
  return <span class={`badge badge-${props.tone ?? 'neutral'}`}>{props.children}</span>;
}

/** A horizontal bar: `value` of `max`, the figure written beside it. */
export function Bar(props: { value: number; max: number; tone?: 'good' | 'warn' | 'bad' | 'info' | 'shadow'; label?: string }) {
  const width = percentOf(props.value, props.max);
  return (
    <div class="bar" title={props.label ?? `${formatCount(props.value)} / ${formatCount(props.max)}`}>
      <div class={`bar-fill bar-${props.tone ?? 'info'}`} style={{ width: `${width}%` }} />
    </div>
  );
}

export function PageHeader(props: { title: string; subtitle?: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.subtitle !== undefined ? <p class="subtitle">{props.subtitle}</p> : null}
      </div>
      <div class="page-actions">{props.children}</div>
    </header>
  );
}
