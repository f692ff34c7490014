import { CHECK_BOUNDS, PRINTABLE_PATTERN } from './check-bounds';
import { CHECK_FIELD_RULES, CHECK_REQUEST_SCHEMA } from './check-request.schema';

describe('CHECK_REQUEST_SCHEMA', () => {
  it('has a rule message for every property', () => {
    expect(Object.keys(CHECK_FIELD_RULES).sort()).toEqual(Object.keys(CHECK_REQUEST_SCHEMA.properties).sort());
  });

  it('makes limit and windowSeconds require each other', () => {
    expect(CHECK_REQUEST_SCHEMA.dependencies).toEqual({ limit: ['windowSeconds'], windowSeconds: ['limit'] });
  });

  it('bounds the window between 1 ms and 30 days', () => {
    expect(CHECK_REQUEST_SCHEMA.properties.windowSeconds).toMatchObject({ minimum: 0.001, maximum: 30 * 24 * 3600 });
    expect(CHECK_BOUNDS.keyMaxLength).toBe(256);
  });
});

describe('PRINTABLE_PATTERN', () => {
  const printable = new RegExp(PRINTABLE_PATTERN, 'u');

  it.each(['user:42', 'a b', 'ключ', '😀', '~!@#$%^&*()'])('accepts %j', (value) => {
    expect(printable.test(value)).toBe(true);
  });

  it.each(['', 'a\u0000b', 'tab\there', 'line\n', 'del\u007f', 'c1\u0085', 'sep\u2028', 'lone\ud800'])('rejects %j', (value) => {
    expect(printable.test(value)).toBe(false);
  });
});
