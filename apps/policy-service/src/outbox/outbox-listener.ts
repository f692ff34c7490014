import { Client } from 'pg';
import type { Logger } from 'pino';
import { OUTBOX_CHANNEL } from '../changes/outbox-signal';
import type { PgSsl } from '../database/pg-ssl';

export interface OutboxListenerOptions {
  readonly url: string;
  /** DATABASE_ROLE, as on the pool's connections. */
  readonly role: string;
  /** TLS, as on the pool's connections (DATABASE_SSL_MODE); none when omitted. */
  readonly ssl?: PgSsl;
  readonly logger: Logger;
  readonly onNotify: () => void;
  readonly retryMs?: number;
}

/**
 * LISTENs for commits on a connection of its own, so a relay wakes for changes committed by any
 * instance of the service (the in-process signal covers only its own). Reconnects after errors;
 * while disconnected the relay still polls.
 */
export class OutboxListener {
  private client: Client | undefined;
  private closing = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly options: OutboxListenerOptions) {}

  start(): void {
    void this.connect();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end();
  }

  private async connect(): Promise<void> {
    if (this.closing) return;
    const client = new Client({
      connectionString: this.options.url,
      ssl: this.options.ssl ?? false,
      options: `-c role=${this.options.role}`,
      application_name: 'policy-service outbox listener',
    });
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      if (this.client === client) this.client = undefined;
      client.end().catch((endError: unknown) => this.options.logger.debug({ err: endError }, 'closing the broken LISTEN connection failed'));
      if (this.closing) return;
      this.options.logger.warn({ err: error }, 'outbox LISTEN connection lost; reconnecting (the relay polls meanwhile)');
      this.retry = setTimeout(() => void this.connect(), this.options.retryMs ?? 1_000);
    };
    client.on('error', fail);
    client.on('end', () => fail(new Error('connection ended')));
    client.on('notification', () => this.options.onNotify());
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      if (this.closing) {
        failed = true;
        await client.end();
        return;
      }
      this.client = client;
      // Commits made while this connection was down are picked up now.
      this.options.onNotify();
    } catch (error) {
      fail(error);
    }
  }
}
