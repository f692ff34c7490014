/** A customer's tier (`PUT /v1/customers/{id}` with `{ "tier": "free" }`). */
export interface CustomerAssignment {
  readonly tier: string;
}
