import { filtersToForm, formToFilters, fromLocalInput, toLocalInput } from './audit-filters';

describe('audit filters', () => {
  it('round-trips the URL filters through the form (local time to the minute)', () => {
    const filters = { entity: 'tier' as const, entityId: 'gold', actor: 'ci deploy', since: new Date(2026, 10, 30, 9, 15).toISOString() };
    expect(filtersToForm(filters)).toEqual({ entity: 'tier', entityId: 'gold', actor: 'ci deploy', since: '2026-11-30T09:15', until: '' });
    expect(formToFilters(filtersToForm(filters))).toEqual(filters);
  });

  it('leaves out empty fields and passes a time it cannot read as typed, for the API to name', () => {
    expect(formToFilters({ entity: '', entityId: ' ', actor: '', since: '', until: '' })).toEqual({});
    expect(fromLocalInput('yesterday')).toBe('yesterday');
    expect(toLocalInput('not a time')).toBe('');
  });
});
