/**
 * `DELETE /v1/counters`: the counters reset (one, or with `customerId` one per policy the regions
 * named for the customer) and the control revision the reset committed as. Every region applies
 * it from the signed policy-change stream.
 */
export interface CounterResetView {
  readonly resets: readonly { readonly policyId: string; readonly key: string }[];
  readonly revision: number;
}
