/**
 * Global policies count in fixed windows aligned to the epoch of wall-clock time, the same window in
 * every region, whatever the policy's `algorithm` says: windowStart = floor(nowMs / windowMs) * windowMs.
 * Enforcers and the reconciler both use these two functions, so they always agree on the window.
 */
export function globalWindowMs(windowSeconds: number): number {
  return Math.max(1, Math.round(windowSeconds * 1000));
}

export function globalWindowStartMs(nowMs: number, windowSeconds: number): number {
  const windowMs = globalWindowMs(windowSeconds);
  return Math.floor(nowMs / windowMs) * windowMs;
}
