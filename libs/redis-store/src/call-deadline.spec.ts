import { Redis } from 'ioredis';
import { StoreTimeoutError } from '@rl/limiter-core';
import { boundCall, type CallDeadline } from './call-deadline';

describe('boundCall', () => {
  const node = new Redis({ lazyConnect: true });
  const never = new Promise<unknown>(() => undefined);

  afterAll(() => node.disconnect());

  it('hands the call to the deadline hook when the node is known, and to nothing else', async () => {
    const hook = jest.fn<ReturnType<CallDeadline>, Parameters<CallDeadline>>(async ({ work }) => work);
    await expect(boundCall({ work: Promise.resolve(7), node, context: 'gcra decision', deadline: hook, deadlineMs: 1 })).resolves.toBe(7);
    expect(hook).toHaveBeenCalledWith({ work: expect.any(Promise), node, context: 'gcra decision' });
  });

  it('falls back to deadlineMs when the node is unknown or no hook is given', async () => {
    const hook = jest.fn<ReturnType<CallDeadline>, Parameters<CallDeadline>>(async ({ work }) => work);
    await expect(boundCall({ work: never, node: undefined, context: 'batch of 3 decisions', deadline: hook, deadlineMs: 5 })).rejects.toBeInstanceOf(StoreTimeoutError);
    await expect(boundCall({ work: never, node, context: 'x', deadline: undefined, deadlineMs: 5 })).rejects.toThrow('x: Redis did not reply within 5 ms');
    expect(hook).not.toHaveBeenCalled();
  });

  it('leaves the call unbounded when neither is given (the client command timeout applies)', async () => {
    const work = Promise.resolve('reply');
    await expect(boundCall({ work, node, context: 'x', deadline: undefined, deadlineMs: undefined })).resolves.toBe('reply');
  });
});
