import { ReplyError } from 'ioredis';

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
 * The counter store could not produce a decision. The enforcer catches this one type and applies
 * the policy's failure mode (fail open or closed); the subclasses say why.
 */
export abstract class StoreError extends Error {
  protected constructor(message: string, options: { cause: unknown }) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
  }
}

/** Redis is unreachable, refused the command, or replied with an error. The request was not counted, as far as the client can tell. */
export class StoreUnavailableError extends StoreError {
  /** The Redis error code when Redis replied with an error (e.g. `BUSY`, `OOM`, `CLUSTERDOWN`). */
  readonly code: string | undefined;

  constructor(message: string, options: { cause: unknown; code?: string }) {
    super(message, options);
    this.code = options.code;
  }
}

/**
 * No reply within the command timeout. The script may still have run (and counted the request):
 * the outcome is unknown, which is why the store never replays it.
 */
export class StoreTimeoutError extends StoreError {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

/** Converts whatever the client threw into the store's typed errors, once, where it leaves the store. */
export function toStoreError(error: unknown, context: string): StoreError {
  if (error instanceof StoreError) return error;
  if (isCommandTimeout(error)) return new StoreTimeoutError(`${context}: Redis did not reply in time`, { cause: error });
  const code = redisErrorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`${context}: ${detail}`, { cause: error, code });
}
