import { InvalidCheckError, normalizeKey, validateCheckInput } from './check-input';

describe('normalizeKey', () => {
  it('keeps printable keys up to 256 characters', () => {
    expect(normalizeKey('user:42')).toBe('user:42');
    expect(normalizeKey('k'.repeat(256))).toBe('k'.repeat(256));
    expect(normalizeKey('ключ 😀')).toBe('ключ 😀');
  });

  it('replaces empty, long and control-character keys by a stable digest', () => {
    for (const key of ['', 'k'.repeat(257), 'a\nb', 'nul\u0000']) {
      const normalized = normalizeKey(key);
      expect(normalized).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
      expect(normalizeKey(key)).toBe(normalized);
    }
    expect(normalizeKey('a\nb')).not.toBe(normalizeKey('a\rb'));
  });
});

describe('validateCheckInput', () => {
  it('accepts a full check', () => {
    const input = { key: 'user:1', customerId: 'acme', route: '/v1/items/:id', method: 'GET', cost: 2, limit: 10, windowSeconds: 0.5, ip: '2001:db8::1' };
    expect(validateCheckInput(input)).toBe(input);
  });

  it.each([
    [{ key: 'k', cost: 0 }, 'cost'],
    [{ key: 'k', cost: 1.5 }, 'cost'],
    [{ key: 'k', limit: 5 }, 'windowSeconds'],
    [{ key: 'k', windowSeconds: 5 }, 'limit'],
    [{ key: 'k', limit: 0, windowSeconds: 5 }, 'limit'],
    [{ key: 'k', limit: 5, windowSeconds: 0 }, 'windowSeconds'],
    [{ key: 'k', limit: 5, windowSeconds: 3_000_000 }, 'windowSeconds'],
    [{ key: 'k', method: 'GET /' }, 'method'],
    [{ key: 'k', route: '' }, 'route'],
    [{ key: 'k', customerId: 'x'.repeat(129) }, 'customerId'],
    [{ key: 'k', ip: '999.1.1.1' }, 'ip'],
  ])('refuses %j, naming %s', (input, field) => {
    expect(() => validateCheckInput(input)).toThrow(InvalidCheckError);
    try {
      validateCheckInput(input);
    } catch (error) {
      expect((error as InvalidCheckError).field).toBe(field);
    }
  });

  it('normalizes the key', () => {
    expect(validateCheckInput({ key: 'x'.repeat(300), cost: 1 })).toEqual({ key: normalizeKey('x'.repeat(300)), cost: 1 });
  });

  it('takes settle as a boolean only', () => {
    expect(validateCheckInput({ key: 'k', settle: true })).toEqual({ key: 'k', settle: true });
    expect(() => validateCheckInput({ key: 'k', settle: 'yes' as unknown as boolean })).toThrow('settle must be a boolean');
  });
});
