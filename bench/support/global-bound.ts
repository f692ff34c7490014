/**
 * The published error bound of global limits (README, "Global limits" → "Error bound"), as code,
 * so the accuracy benchmark prints it beside each measured figure.
 *
 * Overshoot, per key and window: admitted ≤ L + E with
 *
 *   E = Σ_r Σ_{i ∈ r} λ_i · ( m_r · max(0, k·d − S) + cut_i · max(0, τ_i − T_inst) )
 *       + Σ_{fail-open Redis outages of region r} p · cap_r
 *
 * λ_i: admissions per second at instance i; m_r: lowerings of region r in the window;
 * k·d: store tiers × REDIS_COMMAND_TIMEOUT_MS (the longest a decision that read the old cap
 * runs); S: how long an instance waits before acknowledging an epoch (k·d, so the first term is 0);
 * cut_i: 1 when instance i alone was cut off (its region kept reporting) for τ_i, against
 * RECONCILER_INSTANCE_TIMEOUT_SECONDS T_inst; p: DEGRADED_LIMIT_PERCENT.
 *
 * Convergence after an event, in time: a shift T + O + S + 2δ (the first report that shows a
 * whole interval of new demand, the cycle offset, the settled acknowledgement, two deliveries);
 * after leader loss add the takeover (at most 4/3 of the lease after the kill); after a heal, the
 * client's reconnection wait.
 */
export interface OvershootInput {
  /** Regions, each with the admission rate (per second) of each of its instances. */
  readonly regions: ReadonlyArray<{ readonly instanceRates: readonly number[]; readonly lowerings: number }>;
  /** Store tiers × REDIS_COMMAND_TIMEOUT_MS, ms. */
  readonly decisionMs: number;
  /** Acknowledgement settle time, ms. */
  readonly settleMs: number;
  /** Instances cut off alone while their region reported: rate per second and cut duration. */
  readonly cutAlone: ReadonlyArray<{ readonly ratePerSecond: number; readonly cutMs: number }>;
  readonly instanceTimeoutMs: number;
  /** Caps of regions whose Redis failed in the window under a fail-open policy, and DEGRADED_LIMIT_PERCENT. */
  readonly failOpenOutageCaps: readonly number[];
  readonly degradedPercent: number;
}

/** E in units (see the module comment). */
export function overshootUnits(input: OvershootInput): number {
  let e = 0;
  const raced = Math.max(0, input.decisionMs - input.settleMs) / 1000;
  for (const region of input.regions) for (const rate of region.instanceRates) e += rate * region.lowerings * raced;
  for (const cut of input.cutAlone) e += cut.ratePerSecond * (Math.max(0, cut.cutMs - input.instanceTimeoutMs) / 1000);
  for (const cap of input.failOpenOutageCaps) e += (cap * input.degradedPercent) / 100;
  return e;
}

export interface ConvergenceInput {
  /** GLOBAL_SYNC_INTERVAL_MS = RECONCILER_INTERVAL_MS (T). */
  readonly intervalMs: number;
  /** RECONCILER_CYCLE_OFFSET_MS (O). */
  readonly cycleOffsetMs: number;
  /** Acknowledgement settle time (S). */
  readonly settleMs: number;
  /** One delivery through NATS and one cycle's computation (δ); a few ms on a LAN. */
  readonly deliveryMs: number;
}

/** After a demand shift: T + O + S + 2δ, in ms. */
export function convergenceAfterShiftMs(input: ConvergenceInput): number {
  return input.intervalMs + input.cycleOffsetMs + input.settleMs + 2 * input.deliveryMs;
}

/** After the leader is killed, from the kill: the takeover (≤ 4/3 lease) and then as after a shift. */
export function convergenceAfterKillMs(input: ConvergenceInput & { leaderLeaseMs: number }): number {
  return (4 * input.leaderLeaseMs) / 3 + convergenceAfterShiftMs(input);
}

/** After a partition heals: the client's reconnection wait, then as after a shift. */
export function convergenceAfterHealMs(input: ConvergenceInput & { reconnectWaitMs: number }): number {
  return input.reconnectWaitMs + convergenceAfterShiftMs(input);
}
