/** `POST /v1/settle` request body (CONTRACT.md). Validated by SETTLE_REQUEST_SCHEMA before any handler sees it. */
export interface SettleRequest {
  /** The `decisionId` of a check answered with `settle: true`. */
  readonly decisionId: string;
  /** What the request really cost: an integer >= 0. */
  readonly actualCost: number;
}
