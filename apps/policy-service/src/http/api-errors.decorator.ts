import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorView } from '@rl/contracts';

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid request: `fields` names each offending field path. Nothing was written.',
  401: 'No bearer token, or an unknown or revoked one.',
  403: "The token's role may not do this.",
  404: 'No such resource.',
  409: 'Conflicts with the current state.',
  412: '`If-Match` names a version that is no longer current; `ETag` carries the current one.',
  415: 'The body is not in a media type this route takes.',
  422: 'Well-formed but breaks a rule (e.g. another policy has the same match). Nothing was written.',
  428: '`If-Match: <version>` is required.',
  502: 'The service this route forwards to is unreachable, timed out or answered unusably; `message` says which.',
};

/** Documents the error responses a route may give, all with the ErrorView body. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...[401, 403, ...statuses].map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorView })));
}
