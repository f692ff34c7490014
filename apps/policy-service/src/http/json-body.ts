import type { FieldError } from '@rl/contracts';

/**
 * The deepest nesting of arrays and objects an admin request body may have. The deepest valid
 * body (a policy's `limits[i]`) has three levels; validation recurses per level, so an unbounded
 * depth could exhaust the stack (a 500) where a 400 is due.
 */
export const MAX_BODY_DEPTH = 32;

/** What is wrong with a request body, as field errors (path `''` for the body as a whole). */
export type JsonBodyResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly fields: readonly FieldError[] };

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The nesting depth of JSON text, counted in one pass without recursion and without parsing:
 * brackets inside strings do not count. Stops as soon as the depth passes `limit`. Malformed text
 * gets some number; JSON.parse rejects it afterwards.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

function memberPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/**
 * The path of the first member that could change an object's prototype once the body is copied
 * or merged: `__proto__`, or `prototype` inside `constructor`. JSON.parse itself makes them plain
 * own properties, but spreading such an object into another would not.
 */
export function prototypeMemberPath(value: unknown): string | undefined {
  const stack: Array<{ value: unknown; path: string; underConstructor: boolean }> = [{ value, path: '', underConstructor: false }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; path: string; underConstructor: boolean };
    if (Array.isArray(item.value)) {
      item.value.forEach((element: unknown, index) => stack.push({ value: element, path: memberPath(item.path, index), underConstructor: false }));
    } else if (typeof item.value === 'object' && item.value !== null) {
      for (const key of Object.keys(item.value)) {
        const path = memberPath(item.path, key);
        if (key === '__proto__' || (item.underConstructor && key === 'prototype')) return path;
        stack.push({ value: (item.value as Record<string, unknown>)[key], path, underConstructor: key === 'constructor' });
      }
    }
  }
  return undefined;
}

/**
 * Parses an admin request body: at most MAX_BODY_DEPTH levels deep (checked before parsing), valid
 * JSON, and no member that could reach a prototype. Each refusal names what is wrong.
 */
export function parseJsonBody(text: string, maxDepth = MAX_BODY_DEPTH): JsonBodyResult {
  if (text.trim() === '') return { ok: false, fields: [{ path: '', message: 'the request body is empty; send a JSON object' }] };
  if (jsonDepthExceeds(text, maxDepth)) {
    return { ok: false, fields: [{ path: '', message: `the request body nests arrays and objects deeper than ${maxDepth} levels` }] };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, fields: [{ path: '', message: `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}` }] };
  }
  const poisoned = prototypeMemberPath(value);
  if (poisoned !== undefined) {
    const member = poisoned.slice(poisoned.lastIndexOf('.') + 1);
    return { ok: false, fields: [{ path: poisoned, message: `a "${member}" member is not allowed (it could change an object's prototype)` }] };
  }
  return { ok: true, value };
}
