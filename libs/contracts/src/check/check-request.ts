/** `POST /v1/check` request body (CONTRACT.md). Validated by CHECK_REQUEST_SCHEMA before any handler sees it. */
export interface CheckRequest {
  /** The counted identity: 1..256 printable characters. */
  readonly key: string;
  /** Selects the customer's tier and override policies. */
  readonly customerId?: string;
  /** With `method`, selects per-endpoint policies. */
  readonly route?: string;
  readonly method?: string;
  /** Units this request consumes; integer >= 1, default 1. */
  readonly cost?: number;
  /** Inline limit, used only when no stored policy matches; requires `windowSeconds`. */
  readonly limit?: number;
  /** Window of the inline limit in seconds; requires `limit`. */
  readonly windowSeconds?: number;
  /** The caller's IP address (IPv4 or IPv6), matched against IP and CIDR blocks. */
  readonly ip?: string;
  /**
   * Explain without consuming: the same answer as a real check (status, body, headers), but no
   * counter, lease or deny-cache entry changes, and no decision is recorded. The body adds
   * `dryRun: true` and `matched`.
   */
  readonly dryRun?: boolean;
  /**
   * Record the decision so that `POST /v1/settle` can later charge or refund the difference
   * between `cost` and the actual cost. Only an admitted decision of a regional token_bucket, gcra,
   * leaky_bucket or fixed_window policy is recorded (one more Redis call); any other answer's
   * `decisionId` gets 404 from a settle.
   */
  readonly settle?: boolean;
}
