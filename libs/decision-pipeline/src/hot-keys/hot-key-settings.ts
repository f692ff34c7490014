/** Hot-key leases and the deny cache (HOTKEY_* and DENY_CACHE_* variables). */
export interface HotKeySettings {
  /** Requests per second at this instance above which a key is served from leases; 0 turns leases off. */
  readonly leaseThresholdPerSecond: number;
  /** A lease is sized for this much of the key's demand, and returned after this long unused, ms. */
  readonly leaseMs: number;
  /** Largest share of a counter's capacity one lease takes, percent. */
  readonly leaseMaxPercent: number;
  /** Upper bound of one lease, units. */
  readonly leaseMaxUnits: number;
  /** Keys whose rate is tracked, and leases held, at most (each bounded separately). */
  readonly trackedKeys: number;
  /** Denied keys remembered at most (least recently used dropped first); 0 turns the deny cache off. */
  readonly denyCacheKeys: number;
  /** Longest a remembered denial is answered locally, ms. */
  readonly denyCacheMaxMs: number;
}
