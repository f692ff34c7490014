/** `GET /readyz` body. `missing` names each dependency that is not ready, with why. */
export interface ReadinessResponse {
  readonly status: 'ready' | 'not_ready';
  readonly missing: readonly { readonly name: string; readonly reason: string }[];
}
