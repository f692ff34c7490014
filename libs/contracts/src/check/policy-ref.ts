/** Which policy, at which version, made a decision. */
export interface PolicyRef {
  readonly id: string;
  readonly version: number;
}
