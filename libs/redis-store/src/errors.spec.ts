import { ReplyError } from 'ioredis';
import { isCommandTimeout, redisErrorCode, StoreError, StoreTimeoutError, StoreUnavailableError, toStoreError } from './errors';

const RedisReplyError = ReplyError as new (message: string) => Error;

describe('redisErrorCode', () => {
  it('is the first word of an error reply: the protocol error code', () => {
    expect(redisErrorCode(new RedisReplyError('NOSCRIPT No matching script. Please use EVAL.'))).toBe('NOSCRIPT');
    expect(redisErrorCode(new RedisReplyError('ERR Error running script'))).toBe('ERR');
    expect(redisErrorCode(new RedisReplyError('CLUSTERDOWN'))).toBe('CLUSTERDOWN');
  });

  it('is undefined for anything that is not a server reply', () => {
    expect(redisErrorCode(new Error('NOSCRIPT No matching script'))).toBeUndefined();
    expect(redisErrorCode('NOSCRIPT')).toBeUndefined();
    expect(redisErrorCode(undefined)).toBeUndefined();
  });
});

describe('toStoreError', () => {
  it('maps the client timeout to StoreTimeoutError', () => {
    const cause = new Error('Command timed out');
    expect(isCommandTimeout(cause)).toBe(true);
    const error = toStoreError(cause, 'gcra decision');
    expect(error).toBeInstanceOf(StoreTimeoutError);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('StoreTimeoutError');
    expect(error.message).toBe('gcra decision: Redis did not reply in time');
  });

  it('maps error replies to StoreUnavailableError with their code', () => {
    const error = toStoreError(new RedisReplyError('OOM command not allowed'), 'token_bucket decision');
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).code).toBe('OOM');
    expect(error.message).toBe('token_bucket decision: OOM command not allowed');
  });

  it('maps connection failures to StoreUnavailableError without a code', () => {
    const error = toStoreError(new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'x');
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).code).toBeUndefined();
    expect(isCommandTimeout(new RedisReplyError('Command timed out'))).toBe(false);
  });

  it('passes store errors through unchanged', () => {
    const original = new StoreTimeoutError('t', { cause: undefined });
    expect(toStoreError(original, 'x')).toBe(original);
  });
});
