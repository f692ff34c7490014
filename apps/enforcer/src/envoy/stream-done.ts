import type { RateLimitDescriptorMessage, RateLimitRequestMessage } from './rls-proto';

/**
 * The descriptor entry that marks Envoy's second ShouldRateLimit, sent when the stream is done by
 * a rate-limit action with `apply_on_stream_done: true`. Envoy's request carries nothing else that
 * tells the two calls apart, so the route's stream-done action adds this entry (a `generic_key`
 * action with `descriptor_key: rl_phase`, `descriptor_value: stream_done`) beside the same
 * actions as the request-time one, and sets `hits_addend` to the actual cost (for example from
 * the LLM token usage in dynamic metadata).
 */
export const STREAM_DONE_ENTRY = { key: 'rl_phase', value: 'stream_done' } as const;

function isMarker(entry: { readonly key: string; readonly value: string }): boolean {
  return entry.key === STREAM_DONE_ENTRY.key && entry.value === STREAM_DONE_ENTRY.value;
}

/** Whether any descriptor carries the stream-done marker. */
export function isStreamDoneRequest(message: RateLimitRequestMessage): boolean {
  return message.descriptors.some((descriptor) => descriptor.entries.some(isMarker));
}

/** The request with the marker entry removed from every descriptor: the counters are the request-time call's. */
export function withoutStreamDoneEntries(message: RateLimitRequestMessage): RateLimitRequestMessage {
  const descriptors = message.descriptors.map((descriptor): RateLimitDescriptorMessage => ({ ...descriptor, entries: descriptor.entries.filter((entry) => !isMarker(entry)) }));
  return { ...message, descriptors };
}
