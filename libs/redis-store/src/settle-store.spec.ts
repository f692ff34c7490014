import { StoreUnavailableError } from './errors';
import { parseSettleReply, parseStackSettleReply } from './settle-store';

describe('parseSettleReply', () => {
  it('names the status and leaves the actual cost undefined until one was applied', () => {
    expect(parseSettleReply([0, 0, 0, 0, -1, 0, 5])).toEqual({ status: 'unknown', remaining: 0, resetUs: 0, estimatedCost: 0, actualCost: undefined, limit: 0, nowUs: 5 });
    expect(parseSettleReply([1, 7, 1_500, 4, 1, 10, 5])).toEqual({ status: 'settled', remaining: 7, resetUs: 1_500, estimatedCost: 4, actualCost: 1, limit: 10, nowUs: 5 });
    expect(parseSettleReply([2, 7, 1_500, 4, 1, 10, 5]).status).toBe('repeated');
    expect(parseSettleReply([3, 7, 1_500, 4, -1, 10, 5]).status).toBe('expired');
  });

  it.each([[null], ['OK'], [[9, 0, 0, 0, -1, 0, 5]], [[1, -1, 0, 0, 0, 1, 5]], [[1, 0, 0, 0, 1, 5]], [[1, '0', 0, 0, 0, 1, 5]]])('refuses %j', (reply) => {
    expect(() => parseSettleReply(reply)).toThrow(StoreUnavailableError);
  });
});

describe('parseStackSettleReply', () => {
  it('reads every limit of a stacked settle, and an unknown decision without limits', () => {
    expect(parseStackSettleReply([0, 0, -1, 5])).toEqual({ status: 'unknown', estimatedCost: 0, actualCost: undefined, nowUs: 5, limits: [] });
    expect(parseStackSettleReply([1, 4, 9, 5, 0, 2_000, 10, 1, 95, 0, 100, 0])).toEqual({
      status: 'settled',
      estimatedCost: 4,
      actualCost: 9,
      nowUs: 5,
      limits: [
        { remaining: 0, resetUs: 2_000, limit: 10, open: true },
        { remaining: 95, resetUs: 0, limit: 100, open: false },
      ],
    });
  });

  it.each([[null], [[1, 4, 9, 5]], [[1, 4, 9, 5, 0, 0, 10]], [[9, 0, -1, 5]], [[1, 4, 9, 5, -1, 0, 10, 1]], [[1, 4, 9, 5, '0', 0, 10, 1]]])('refuses %j', (reply) => {
    expect(() => parseStackSettleReply(reply)).toThrow(StoreUnavailableError);
  });
});
