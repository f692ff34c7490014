import { NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import {
  AuthenticationError,
  BadGatewayError,
  ConflictError,
  InvalidInputError,
  NotFoundError,
  PermissionError,
  PreconditionFailedError,
  PreconditionRequiredError,
  RuleViolationError,
} from './api-errors';
import { mapError } from './api-exception.filter';

describe('mapError', () => {
  it.each([
    [new InvalidInputError([{ path: 'limit', message: 'must be an integer' }]), 400, 'validation_failed'],
    [new RuleViolationError([{ path: 'match', message: 'matches the same requests as policy "a"' }]), 422, 'unprocessable_entity'],
    [new AuthenticationError('missing bearer token'), 401, 'unauthorized'],
    [new PermissionError('needs editor'), 403, 'forbidden'],
    [new NotFoundError('no policy x'), 404, 'not_found'],
    [new ConflictError('exists'), 409, 'conflict'],
    [new PreconditionFailedError('stale', 4), 412, 'precondition_failed'],
    [new PreconditionRequiredError('needs If-Match'), 428, 'precondition_required'],
    [new BadGatewayError('the reconciler at http://127.0.0.1:8090 is unreachable: connection refused'), 502, 'bad_gateway'],
    [new NotFoundException('Cannot GET /nope'), 404, 'not_found'],
    [new PayloadTooLargeException(), 413, 'payload_too_large'],
  ])('maps %p to %d %s', (error, status, code) => {
    const mapped = mapError(error);
    expect(mapped?.status).toBe(status);
    expect(mapped?.body.error).toBe(code);
    expect(mapped?.body.message).toBe(error.message);
  });

  it('carries field paths, the 401 challenge and the current ETag', () => {
    expect(mapError(new InvalidInputError([{ path: 'match.method', message: 'bad' }]))?.body).toEqual({
      error: 'validation_failed',
      message: 'invalid request: match.method bad',
      fields: [{ path: 'match.method', message: 'bad' }],
    });
    expect(mapError(new AuthenticationError('x'))?.headers).toEqual({ 'www-authenticate': 'Bearer realm="policy-service"' });
    expect(mapError(new PreconditionFailedError('stale', 4))?.headers).toEqual({ etag: '"4"' });
  });

  it("maps Fastify's own client errors and leaves everything else to the 500 path", () => {
    const badJson = Object.assign(new Error('Body is not valid JSON'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON' });
    expect(mapError(badJson)).toEqual({ status: 400, body: { error: 'bad_request', message: 'Body is not valid JSON' } });
    expect(mapError(new Error('boom'))).toBeUndefined();
    expect(mapError(Object.assign(new Error('x'), { statusCode: 500, code: 'FST_X' }))).toBeUndefined();
  });
});
