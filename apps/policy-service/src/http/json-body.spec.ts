import fc from 'fast-check';
import { jsonDepthExceeds, MAX_BODY_DEPTH, parseJsonBody, prototypeMemberPath } from './json-body';

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (typeof value === 'object' && value !== null) return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('parseJsonBody', () => {
  it('parses a valid body', () => {
    expect(parseJsonBody('{"id":"a","limits":[{"name":"x","limit":1}]}')).toEqual({ ok: true, value: { id: 'a', limits: [{ name: 'x', limit: 1 }] } });
  });

  it(`accepts ${MAX_BODY_DEPTH} levels and refuses one more, before parsing`, () => {
    expect(parseJsonBody(nested(MAX_BODY_DEPTH)).ok).toBe(true);
    expect(parseJsonBody(nested(MAX_BODY_DEPTH + 1))).toEqual({
      ok: false,
      fields: [{ path: '', message: `the request body nests arrays and objects deeper than ${MAX_BODY_DEPTH} levels` }],
    });
    // Unbalanced text deeper than the limit is refused for its depth without being parsed.
    expect(parseJsonBody(`{"a":${'['.repeat(5000)}`)).toMatchObject({ ok: false, fields: [{ path: '', message: expect.stringContaining('deeper than') }] });
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ reason: `${'['.repeat(100)}\\"{{{{` });
    expect(jsonDepthExceeds(text, 1)).toBe(false);
    expect(parseJsonBody(text).ok).toBe(true);
  });

  it.each([
    ['{"__proto__":{"admin":true}}', '__proto__', '"__proto__"'],
    ['{"id":"a","match":{"__proto__":{}}}', 'match.__proto__', '"__proto__"'],
    ['{"limits":[{"name":"x"},{"__proto__":null}]}', 'limits[1].__proto__', '"__proto__"'],
    ['{"constructor":{"prototype":{"admin":true}}}', 'constructor.prototype', '"prototype"'],
  ])('refuses %s naming the member', (text, path, member) => {
    const result = parseJsonBody(text);
    expect(result).toEqual({ ok: false, fields: [{ path, message: `a ${member} member is not allowed (it could change an object's prototype)` }] });
  });

  it('allows members merely named like them elsewhere', () => {
    expect(parseJsonBody('{"prototype":1,"constructor":"x","reason":"__proto__"}').ok).toBe(true);
  });

  it.each([
    ['', 'the request body is empty; send a JSON object'],
    ['  ', 'the request body is empty; send a JSON object'],
  ])('refuses the empty body %j', (text, message) => {
    expect(parseJsonBody(text)).toEqual({ ok: false, fields: [{ path: '', message }] });
  });

  it('refuses malformed JSON with the parser message', () => {
    const result = parseJsonBody('{"id": "a",');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.fields[0].message).toMatch(/^the request body is not valid JSON: /);
  });

  it('agrees with JSON.parse on every JSON value within the depth limit, and counts depth exactly', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value);
        const depth = depthOf(value);
        expect(jsonDepthExceeds(text, depth)).toBe(false);
        if (depth > 0) expect(jsonDepthExceeds(text, depth - 1)).toBe(true);
        const result = parseJsonBody(text);
        if (prototypeMemberPath(JSON.parse(text)) === undefined) expect(result).toEqual({ ok: true, value: JSON.parse(text) });
        else expect(result.ok).toBe(false);
      }),
    );
  });
});
