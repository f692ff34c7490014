import { Inject, Injectable } from '@nestjs/common';
import type { ApiKeyRole, ApiKeyView, CreateApiKeyDto, CreatedApiKeyView } from '@rl/contracts';
import type { Logger } from 'pino';
import { DataSource, type QueryRunner } from 'typeorm';
import { writeAudit } from '../changes/audit-writer';
import { LOGGER } from '@rl/platform/service';
import { sql } from '../database/sql';
import { inTransaction } from '../database/transaction';
import { ConflictError, NotFoundError } from '../errors/api-errors';
import { generateToken, hashToken } from './api-token';
import { SYSTEM_ACTOR, type Actor, type Principal } from './principal';

/** Serialises API key changes, so that two revocations cannot both remove "the other" last admin (an arbitrary constant). */
const KEYS_LOCK = 7_265_001;

interface ApiKeyRow {
  id: string;
  name: string;
  role: ApiKeyRole;
  origin: 'api' | 'env';
  created_at: Date;
  revoked_at: Date | null;
}

function toView(row: ApiKeyRow): ApiKeyView {
  return { id: row.id, name: row.name, role: row.role, createdAt: row.created_at.toISOString(), revokedAt: row.revoked_at?.toISOString() ?? null };
}

/** What boot did with ADMIN_TOKEN. */
export type BootstrapOutcome = 'created' | 'unchanged' | 'replaced' | 'not-set';

/**
 * A key from the environment cannot be stored: ADMIN_TOKEN is unset and no admin key exists (nobody
 * could ever administer the service), or ADMIN_TOKEN / ENFORCER_API_KEY is another role's token.
 */
export class AdminBootstrapError extends Error {
  override readonly name = 'AdminBootstrapError';
}

/** Admin API keys: stored as SHA-256 only, each with a role; the plaintext token is returned once. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async authenticate(token: string): Promise<Principal | undefined> {
    const rows = (await this.dataSource.query('SELECT id, name, role FROM api_keys WHERE token_hash = $1 AND revoked_at IS NULL', [hashToken(token)])) as {
      id: string;
      name: string;
      role: ApiKeyRole;
    }[];
    return rows.length === 0 ? undefined : { keyId: rows[0].id, name: rows[0].name, role: rows[0].role };
  }

  async list(): Promise<ApiKeyView[]> {
    const rows = (await this.dataSource.query('SELECT * FROM api_keys ORDER BY created_at, id')) as ApiKeyRow[];
    return rows.map(toView);
  }

  async create(actor: Actor, input: CreateApiKeyDto): Promise<CreatedApiKeyView> {
    const token = generateToken();
    const view = await this.inKeysTransaction(async (runner) => {
      const { rows } = await sql<ApiKeyRow>(runner, `INSERT INTO api_keys (name, token_hash, role, origin) VALUES ($1, $2, $3, 'api') RETURNING *`, [
        input.name,
        hashToken(token),
        input.role,
      ]);
      const created = toView(rows[0]);
      await writeAudit(runner, { actor, action: 'api_key.created', entityType: 'api_key', entityId: created.id, before: null, after: created });
      return created;
    });
    return { ...view, token };
  }

  /** Revokes a key; revoking a revoked key changes nothing. The last active admin key cannot be revoked. */
  async revoke(actor: Actor, id: string): Promise<void> {
    await this.inKeysTransaction(async (runner) => {
      const { rows } = await sql<ApiKeyRow>(runner, 'SELECT * FROM api_keys WHERE id = $1', [id]);
      if (rows.length === 0) throw new NotFoundError(`no API key ${id}`);
      const before = rows[0];
      if (before.revoked_at !== null) return;
      if (before.role === 'admin') {
        const others = await sql(runner, `SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL AND id <> $1 LIMIT 1`, [id]);
        if (others.rowCount === 0) throw new ConflictError('this is the last active admin key: create another admin key before revoking it');
      }
      const updated = await sql<ApiKeyRow>(runner, 'UPDATE api_keys SET revoked_at = now() WHERE id = $1 RETURNING *', [id]);
      await writeAudit(runner, { actor, action: 'api_key.revoked', entityType: 'api_key', entityId: id, before: toView(before), after: toView(updated.rows[0]) });
    });
  }

  /**
   * Makes ADMIN_TOKEN an active admin key: nothing to do when it already is one; otherwise the
   * previous ADMIN_TOKEN key (if any) is revoked and the new one stored. Without ADMIN_TOKEN, an
   * active admin key must already exist.
   */
  async bootstrap(adminToken: string | undefined): Promise<BootstrapOutcome> {
    return this.inKeysTransaction(async (runner) => {
      if (adminToken === undefined) {
        const admins = await sql(runner, `SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1`);
        if (admins.rowCount === 0) {
          throw new AdminBootstrapError('ADMIN_TOKEN is required: the database holds no active admin API key to start from');
        }
        return 'not-set';
      }
      return this.storeEnvKey(runner, { variable: 'ADMIN_TOKEN', role: 'admin', token: adminToken });
    });
  }

  /**
   * Makes ENFORCER_API_KEY an active key of the `enforcer` role, the same way: kept when it already
   * is one, else the previous ENFORCER_API_KEY key is revoked and this one stored. Unset changes
   * nothing (enforcer keys made through the API stay as they are).
   */
  async bootstrapEnforcerKey(enforcerKey: string | undefined): Promise<BootstrapOutcome> {
    if (enforcerKey === undefined) return 'not-set';
    return this.inKeysTransaction((runner) => this.storeEnvKey(runner, { variable: 'ENFORCER_API_KEY', role: 'enforcer', token: enforcerKey }));
  }

  /** Stores a key from an environment variable, named after the variable, replacing that variable's previous key. */
  private async storeEnvKey(runner: QueryRunner, key: { variable: 'ADMIN_TOKEN' | 'ENFORCER_API_KEY'; role: ApiKeyRole; token: string }): Promise<BootstrapOutcome> {
    const hash = hashToken(key.token);
    const current = await sql<ApiKeyRow>(runner, 'SELECT * FROM api_keys WHERE token_hash = $1 AND revoked_at IS NULL', [hash]);
    if (current.rowCount > 0) {
      const row = current.rows[0];
      if (row.role !== key.role) throw new AdminBootstrapError(`${key.variable} is the token of the ${row.role} key "${row.name}"; it must be the token of a key of the ${key.role} role`);
      return 'unchanged';
    }
    const previous = await sql<ApiKeyRow>(runner, `UPDATE api_keys SET revoked_at = now() WHERE origin = 'env' AND name = $1 AND revoked_at IS NULL RETURNING *`, [key.variable]);
    for (const row of previous.rows) {
      await writeAudit(runner, { actor: SYSTEM_ACTOR, action: 'api_key.revoked', entityType: 'api_key', entityId: row.id, before: null, after: toView(row) });
    }
    const { rows } = await sql<ApiKeyRow>(runner, `INSERT INTO api_keys (name, token_hash, role, origin) VALUES ($1, $2, $3, 'env') RETURNING *`, [key.variable, hash, key.role]);
    const created = toView(rows[0]);
    await writeAudit(runner, { actor: SYSTEM_ACTOR, action: 'api_key.created', entityType: 'api_key', entityId: created.id, before: null, after: created });
    return previous.rowCount > 0 ? 'replaced' : 'created';
  }

  private inKeysTransaction<T>(work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return inTransaction({
      dataSource: this.dataSource,
      logger: this.logger,
      work: async (runner) => {
        await sql(runner, 'SELECT pg_advisory_xact_lock($1)', [KEYS_LOCK]);
        return work(runner);
      },
    });
  }
}
