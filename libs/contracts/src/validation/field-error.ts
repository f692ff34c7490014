/** One validation failure: where (`policies[2].match.route`) and what. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}
