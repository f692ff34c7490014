/** The 400 body of every malformed request: which field is wrong and why. */
export interface BadRequestResponse {
  readonly error: 'bad_request';
  /** The offending field (`key`, `cost`, ...), or `body` when the body as a whole is unusable. */
  readonly field: string;
  readonly message: string;
}
