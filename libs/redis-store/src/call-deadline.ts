import type { Redis } from 'ioredis';
import { withDeadline } from './deadline';

/**
 * Bounds one script call; `node` is the ioredis Redis instance the call was written to (on a
 * Cluster, the node's own client). Settles like `work`, or rejects with a StoreTimeoutError when it
 * judges the call lost. The call itself cannot be cancelled and may still run: the store never
 * replays it.
 */
export type CallDeadline = (call: { readonly work: Promise<unknown>; readonly node: Redis; readonly context: string }) => Promise<unknown>;

/**
 * How the stores bound a call: by the `deadline` hook when one is given and the node is known, else
 * by `deadlineMs` through withDeadline, else not at all (the client's command timeout applies).
 */
export function boundCall(input: {
  readonly work: Promise<unknown>;
  readonly node: Redis | undefined;
  readonly context: string;
  readonly deadline: CallDeadline | undefined;
  readonly deadlineMs: number | undefined;
}): Promise<unknown> {
  const { work, node, context } = input;
  if (input.deadline !== undefined && node !== undefined) return input.deadline({ work, node, context });
  if (input.deadlineMs !== undefined) return withDeadline(work, input.deadlineMs, context);
  return work;
}
