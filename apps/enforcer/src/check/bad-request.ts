import { CHECK_FIELD_RULES, type BadRequestResponse } from '@rl/contracts';
import type { FastifySchemaValidationError } from 'fastify';

const BODY = 'body';

function badRequest(field: string, message: string): BadRequestResponse {
  return { error: 'bad_request', field, message };
}

/** The first schema violation of a check body (or of another body, with its own field rules), as the contract's 400 body naming the field. */
export function fromValidationError(error: FastifySchemaValidationError, rules: Readonly<Record<string, string>> = CHECK_FIELD_RULES): BadRequestResponse {
  const params = error.params;
  switch (error.keyword) {
    case 'required':
      return badRequest(String(params.missingProperty), `${String(params.missingProperty)} is required`);
    case 'additionalProperties':
      return badRequest(String(params.additionalProperty), `${String(params.additionalProperty)} is not a known field`);
    case 'dependencies':
      return badRequest(String(params.missingProperty), `${String(params.missingProperty)} is required together with ${String(params.property)}`);
  }
  const field = error.instancePath.slice(1).split('/')[0];
  if (field === '') return badRequest(BODY, 'body must be a JSON object');
  const rule = Object.prototype.hasOwnProperty.call(rules, field) ? rules[field] : (error.message ?? 'is invalid');
  return badRequest(field, `${field} ${rule}`);
}

/** Fastify's own request errors (content type, JSON syntax, size), as the contract's 400 body. */
export function fromRequestError(error: { code?: string; message: string }, bodyLimit: number): BadRequestResponse {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return badRequest(BODY, 'content-type must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest(BODY, 'body must be a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return badRequest(BODY, 'body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return badRequest(BODY, `body must be at most ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return badRequest(BODY, 'content-length does not match the body');
    default:
      return badRequest(BODY, error instanceof SyntaxError ? 'body is not valid JSON' : error.message);
  }
}
