import type { Algorithm, AlgorithmName } from '../types';
import { fixedWindow } from './fixed-window';
import { gcra } from './gcra';
import { leakyBucket } from './leaky-bucket';
import { slidingLog } from './sliding-log';
import { slidingWindow } from './sliding-window';
import { tokenBucket } from './token-bucket';

export { fixedWindow, gcra, leakyBucket, slidingLog, slidingWindow, tokenBucket };
export type { FixedWindowState } from './fixed-window';
export type { GcraState } from './gcra';
export type { LeakyBucketState } from './leaky-bucket';
export type { LogEntry, SlidingLogState } from './sliding-log';
export type { MeterState } from './meter';
export type { SlidingWindowState } from './sliding-window';
export type { TokenBucketState } from './token-bucket';

const byName: Record<AlgorithmName, Algorithm<unknown>> = {
  token_bucket: tokenBucket as Algorithm<unknown>,
  gcra: gcra as Algorithm<unknown>,
  leaky_bucket: leakyBucket as Algorithm<unknown>,
  fixed_window: fixedWindow as Algorithm<unknown>,
  sliding_window: slidingWindow as Algorithm<unknown>,
  sliding_log: slidingLog as Algorithm<unknown>,
};

export function algorithmFor(name: AlgorithmName): Algorithm<unknown> {
  return byName[name];
}

/** The most one request can ever cost under these parameters; a larger cost is never admitted. */
export function maxCost(name: AlgorithmName, limit: number, burst: number): number {
  return name === 'token_bucket' || name === 'gcra' || name === 'leaky_bucket' ? burst : limit;
}
