import type { FieldError } from '@rl/contracts';

/**
 * The service's typed errors. Services throw these; ApiExceptionFilter turns each into its status
 * and the `{ error, message, fields? }` body, in one place.
 */
export abstract class ApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request's shape is wrong (400): each offending field with its path. */
export class InvalidInputError extends ApiError {
  constructor(readonly fields: readonly FieldError[]) {
    super(`invalid request: ${fields.map((f) => (f.path === '' ? f.message : `${f.path} ${f.message}`)).join('; ')}`);
  }
}

/** The request is well-formed but breaks a rule of the stored state (422), e.g. two policies with the same match. */
export class RuleViolationError extends ApiError {
  constructor(readonly fields: readonly FieldError[]) {
    super(fields.map((f) => `${f.path} ${f.message}`).join('; '));
  }
}

/** No or an unknown/revoked bearer token (401). */
export class AuthenticationError extends ApiError {}

/** The token's role may not do this (403). */
export class PermissionError extends ApiError {}

/** The addressed resource does not exist (404). */
export class NotFoundError extends ApiError {}

/** The resource exists already, or the change conflicts with the current state (409). */
export class ConflictError extends ApiError {}

/** `If-Match` names a version that is no longer current (412). */
export class PreconditionFailedError extends ApiError {
  constructor(
    message: string,
    readonly currentVersion: number,
  ) {
    super(message);
  }
}

/** `If-Match` is required and missing (428). */
export class PreconditionRequiredError extends ApiError {}

/** A service this one forwards to (the reconciler) is unreachable, timed out or answered unusably (502). */
export class BadGatewayError extends ApiError {}

/** The route needs a dependency this deployment has not configured (503), named in the message. */
export class NotConfiguredError extends ApiError {}
