import type { AuditFilters } from './router';
import { AUDIT_ENTITIES, type AuditEntity } from './types';

/** The audit filter form, as typed: times in the browser's local time (`datetime-local`). */
export interface AuditFilterForm {
  entity: AuditEntity | '';
  entityId: string;
  actor: string;
  since: string;
  until: string;
}

/** `2026-11-30T10:15` (local) from an ISO instant; '' for none. */
export function toLocalInput(iso: string | undefined): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** An ISO instant from a `datetime-local` value; what was typed when it is no time (so the API names the field). */
export function fromLocalInput(value: string): string | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

export function filtersToForm(filters: AuditFilters): AuditFilterForm {
  return { entity: filters.entity ?? '', entityId: filters.entityId ?? '', actor: filters.actor ?? '', since: toLocalInput(filters.since), until: toLocalInput(filters.until) };
}

export function formToFilters(form: AuditFilterForm): AuditFilters {
  const entity = AUDIT_ENTITIES.find((e) => e === form.entity);
  const out: { -readonly [K in keyof AuditFilters]: AuditFilters[K] } = {};
  if (entity !== undefined) out.entity = entity;
  if (form.entityId.trim() !== '') out.entityId = form.entityId.trim();
  if (form.actor.trim() !== '') out.actor = form.actor.trim();
  const since = fromLocalInput(form.since);
  const until = fromLocalInput(form.until);
  if (since !== undefined) out.since = since;
  if (until !== undefined) out.until = until;
  return out;
}
