import type { RateLimitRequestMessage } from './rls-proto';
import { isStreamDoneRequest, withoutStreamDoneEntries } from './stream-done';

const message = (entries: { key: string; value: string }[]): RateLimitRequestMessage => ({ domain: 'edge', hits_addend: 120, descriptors: [{ entries, limit: null }, { entries: [{ key: 'route', value: '/chat' }], limit: null }] });

describe('stream-done marker', () => {
  it('recognises the marker entry on any descriptor, and only its exact value', () => {
    expect(isStreamDoneRequest(message([{ key: 'key', value: 'u' }, { key: 'rl_phase', value: 'stream_done' }]))).toBe(true);
    expect(isStreamDoneRequest(message([{ key: 'rl_phase', value: 'request' }]))).toBe(false);
    expect(isStreamDoneRequest(message([{ key: 'key', value: 'u' }]))).toBe(false);
  });

  it('removes the marker so the counters are the request-time call’s', () => {
    const stripped = withoutStreamDoneEntries(message([{ key: 'key', value: 'u' }, { key: 'rl_phase', value: 'stream_done' }]));
    expect(stripped.descriptors.map((d) => d.entries)).toEqual([[{ key: 'key', value: 'u' }], [{ key: 'route', value: '/chat' }]]);
    expect(stripped.hits_addend).toBe(120);
  });
});
