/**
 * `GET /readyz` body. `missing` names each dependency that is not ready, with why. `warnings`, when
 * present, names what is degraded without making the service unready (e.g. a configuration reload
 * that was refused while the last good configuration stays in force).
 */
export interface ReadinessResponse {
  readonly status: 'ready' | 'not_ready';
  readonly missing: readonly { readonly name: string; readonly reason: string }[];
  readonly warnings?: readonly { readonly name: string; readonly reason: string }[];
}
