/** The PostgreSQL channel every control-plane commit notifies (in its transaction: delivered on commit). */
export const OUTBOX_CHANNEL = 'rl_outbox';

/** In-process wake-up from committed changes to the outbox relay, so it publishes without waiting for its poll. */
export class OutboxSignal {
  private readonly listeners = new Set<() => void>();

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
