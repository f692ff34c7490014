import { ReplyError } from 'ioredis';
import { StoreError, StoreTimeoutError, StoreUnavailableError } from '@rl/limiter-core';

/**
 * ioredis re-exports redis-errors' ReplyError untyped; this is the one place it gets a type.
 * A ReplyError is an error *reply* from the Redis server, as opposed to a client-side failure.
 */
const RedisReplyError: abstract new (...args: never[]) => Error = ReplyError;

/**
 * The error code of a Redis error reply: the protocol puts it as the first word of the error
 * line (`-NOSCRIPT No matching script...`, `-ERR ...`, `-BUSY ...`). `undefined` for anything
 * that is not a server reply (timeouts, closed connections), so no client-side message can be
 * mistaken for a server code.
 */
export function redisErrorCode(error: unknown): string | undefined {
  if (!(error instanceof RedisReplyError)) return undefined;
  const space = error.message.indexOf(' ');
  return space === -1 ? error.message : error.message.slice(0, space);
}

/**
 * ioredis rejects a command whose `commandTimeout` elapsed with a plain Error carrying this fixed
 * text (Command.js); the client gives it no class or code, so the text is the only mark. It is
 * the client's own wording, never a server reply.
 */
const IOREDIS_COMMAND_TIMEOUT = 'Command timed out';

export function isCommandTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === IOREDIS_COMMAND_TIMEOUT && redisErrorCode(error) === undefined;
}

/**
 * The port's failure vocabulary lives in @rl/limiter-core; it is re-exported here so callers of the
 * Redis store keep one import.
 */
export { StoreError, StoreTimeoutError, StoreUnavailableError };

/** Converts whatever the client threw into the store's typed errors, once, where it leaves the store. */
export function toStoreError(error: unknown, context: string): StoreError {
  if (error instanceof StoreError) return error;
  if (isCommandTimeout(error)) return new StoreTimeoutError(`${context}: Redis did not reply in time`, { cause: error });
  const code = redisErrorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`${context}: ${detail}`, { cause: error, code });
}
