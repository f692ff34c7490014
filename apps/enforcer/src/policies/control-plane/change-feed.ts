/** What a change feed tells the policy source. */
export interface ChangeFeedHandlers {
  /**
   * The feed has (re)positioned at the end of the stream and delivers only what is published
   * from now on: anything published earlier must come from a snapshot read after this call.
   */
  onPositioned(): void;
  /** One message as received, in stream order, not yet parsed or validated. */
  onMessage(data: Uint8Array): void;
}

/**
 * The policy-changes stream, as an enforcer consumes it. At-least-once and in stream order while
 * it runs; after a failure it resumes where it stopped when it can, and says `onPositioned`
 * when it cannot. Duplicates and gaps are the caller's to handle (by revision).
 */
export abstract class ChangeFeed {
  /** Starts consuming in the background; retries on its own until `close`. */
  abstract run(handlers: ChangeFeedHandlers): void;
  /** Why the feed is not delivering right now, or `undefined` while it is. */
  abstract problem(): string | undefined;
  abstract close(): Promise<void>;
}
