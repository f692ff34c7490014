import { Injectable } from '@nestjs/common';
import { validatePolicy, windowToSeconds, type OverrideView, type Policy, type SetLimitDto } from '@rl/contracts';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/principal';
import { ChangeLog, type ChangeTransaction } from '../changes/change-log';
import { NotFoundError, PreconditionFailedError, RuleViolationError } from '../errors/api-errors';
import { ifMatchAllows, type IfMatch } from '../http/if-match';
import { canonicalPolicy } from '../policies/policy-row';
import { overridePolicyId } from './override-policy-id';

interface OverrideRow {
  customer_id: string;
  policy: Policy;
  limit: number;
  window_seconds: number;
  version: number;
  updated_at: Date;
}

const COLUMNS = 'customer_id, policy, "limit", window_seconds, version, updated_at';

function toView(row: OverrideRow): OverrideView {
  return { customer_id: row.customer_id, limit: row.limit, window: row.window_seconds, policy: canonicalPolicy(row.policy), updatedAt: row.updated_at.toISOString() };
}

/**
 * Per-customer overrides (`PUT /admin/limits`): a policy matching exactly one customer id, which
 * wins over every other policy. Setting one replaces the previous. Each set and rollback is a new
 * version of the override's policy, kept in `policy_versions` under its policy id like any
 * policy's (so `GET /v1/policies/{id}/versions` and rollback work for overrides too); versions
 * go on counting after a removal.
 */
@Injectable()
export class OverridesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: ChangeLog,
  ) {}

  async list(): Promise<OverrideView[]> {
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM overrides ORDER BY customer_id`)) as OverrideRow[];
    return rows.map(toView);
  }

  async get(customerId: string): Promise<OverrideView> {
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM overrides WHERE customer_id = $1`, [customerId])) as OverrideRow[];
    if (rows.length === 0) throw new NotFoundError(`no override for customer ${customerId}`);
    return toView(rows[0]);
  }

  /** Every current override as the policy enforcers apply. */
  async policies(): Promise<Policy[]> {
    const rows = (await this.dataSource.query('SELECT policy FROM overrides ORDER BY policy_id')) as { policy: Policy }[];
    return rows.map((row) => canonicalPolicy(row.policy));
  }

  /** The current override whose policy id is `policyId`, as a policy; `undefined` when there is none. */
  async policy(policyId: string): Promise<Policy | undefined> {
    const rows = (await this.dataSource.query('SELECT policy FROM overrides WHERE policy_id = $1', [policyId])) as { policy: Policy }[];
    return rows.length === 0 ? undefined : canonicalPolicy(rows[0].policy);
  }

  async set(actor: Actor, input: SetLimitDto): Promise<OverrideView & { revision: number }> {
    const windowSeconds = windowToSeconds(input.window);
    if (windowSeconds === undefined) throw new RuleViolationError([{ path: 'window', message: 'is not a window' }]);
    return this.changes.commit(actor, async (tx) => {
      const before = await this.lockedOverride(tx, { customerId: input.customer_id });
      const policy = validated({
        id: overridePolicyId(input.customer_id),
        match: { customerId: input.customer_id },
        algorithm: input.algorithm ?? 'token_bucket',
        limit: input.limit,
        windowSeconds,
        burst: input.burst,
        scope: input.scope,
        failureMode: input.failureMode,
        mode: input.mode,
        escalation: input.escalation === undefined ? undefined : { ...input.escalation },
        version: await this.nextVersion(tx, overridePolicyId(input.customer_id)),
      });
      const view = await this.write(tx, { customerId: input.customer_id, policy, change: before === undefined ? 'created' : 'updated' });
      const revision = await tx.record({
        change: { kind: 'override.upserted', customerId: input.customer_id, policy },
        action: 'override.set',
        entityType: 'override',
        entityId: input.customer_id,
        before: before === undefined ? null : toView(before),
        after: view,
      });
      return { ...view, revision };
    });
  }

  /**
   * Makes the content of an earlier version of the override with policy id `policyId` its
   * newest version. `If-Match`, when given, must name the current version.
   */
  async rollback(actor: Actor, request: { policyId: string; ifMatch: IfMatch | undefined; toVersion: number }): Promise<{ policy: Policy; revision: number }> {
    return this.changes.commit(actor, async (tx) => {
      const head = await this.lockedOverride(tx, { policyId: request.policyId });
      if (head === undefined) throw new NotFoundError(`no policy ${request.policyId}`);
      const current = canonicalPolicy(head.policy);
      if (request.ifMatch !== undefined && !ifMatchAllows(request.ifMatch, current.version)) {
        throw new PreconditionFailedError(`override ${request.policyId} is at version ${current.version}: fetch it again and reapply your change`, current.version);
      }
      const { rows } = await tx.query<{ policy: Policy }>('SELECT policy FROM policy_versions WHERE policy_id = $1 AND version = $2', [request.policyId, request.toVersion]);
      if (rows.length === 0) throw new RuleViolationError([{ path: 'version', message: `override "${request.policyId}" has no version ${request.toVersion}` }]);
      const policy = validated({ ...rows[0].policy, id: request.policyId, match: { customerId: head.customer_id }, version: await this.nextVersion(tx, request.policyId) });
      const view = await this.write(tx, { customerId: head.customer_id, policy, change: 'rolled_back', rolledBackFrom: request.toVersion });
      const revision = await tx.record({
        change: { kind: 'override.upserted', customerId: head.customer_id, policy },
        action: 'override.rolled_back',
        entityType: 'override',
        entityId: head.customer_id,
        before: toView(head),
        after: view,
      });
      return { policy, revision };
    });
  }

  async remove(actor: Actor, customerId: string): Promise<number> {
    return this.changes.commit(actor, async (tx) => {
      const { rows } = await tx.query<OverrideRow>(`DELETE FROM overrides WHERE customer_id = $1 RETURNING ${COLUMNS}`, [customerId]);
      if (rows.length === 0) throw new NotFoundError(`no override for customer ${customerId}`);
      return tx.record({
        change: { kind: 'override.deleted', customerId },
        action: 'override.deleted',
        entityType: 'override',
        entityId: customerId,
        before: toView(rows[0]),
        after: null,
      });
    });
  }

  private async lockedOverride(tx: ChangeTransaction, by: { customerId: string } | { policyId: string }): Promise<OverrideRow | undefined> {
    const [column, value] = 'customerId' in by ? ['customer_id', by.customerId] : ['policy_id', by.policyId];
    const { rows } = await tx.query<OverrideRow>(`SELECT ${COLUMNS} FROM overrides WHERE ${column} = $1 FOR UPDATE`, [value]);
    return rows[0];
  }

  /** One more than the newest version this override ever had, removed ones included. */
  private async nextVersion(tx: ChangeTransaction, policyId: string): Promise<number> {
    const { rows } = await tx.query<{ latest: number }>(
      `SELECT GREATEST(
         (SELECT COALESCE(MAX(version), 0) FROM policy_versions WHERE policy_id = $1),
         (SELECT COALESCE(MAX(version), 0) FROM overrides WHERE policy_id = $1))::int AS latest`,
      [policyId],
    );
    return rows[0].latest + 1;
  }

  private async write(
    tx: ChangeTransaction,
    entry: { customerId: string; policy: Policy; change: 'created' | 'updated' | 'rolled_back'; rolledBackFrom?: number },
  ): Promise<OverrideView> {
    const { policy } = entry;
    const { rows } = await tx.query<OverrideRow>(
      `INSERT INTO overrides (customer_id, policy_id, "limit", window_seconds, policy, version) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (customer_id) DO UPDATE SET "limit" = EXCLUDED."limit", window_seconds = EXCLUDED.window_seconds,
         policy = EXCLUDED.policy, version = EXCLUDED.version, updated_at = now()
       RETURNING ${COLUMNS}`,
      [entry.customerId, policy.id, policy.limit, policy.windowSeconds, JSON.stringify(policy), policy.version],
    );
    await tx.query(
      `INSERT INTO policy_versions (policy_id, version, policy, change, rolled_back_from, actor_key_id, actor_name) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [policy.id, policy.version, JSON.stringify(policy), entry.change, entry.rolledBackFrom ?? null, tx.actor.keyId ?? null, tx.actor.name],
    );
    return toView(rows[0]);
  }
}

/** The override as enforcers accept it (defaults filled), or a 422 naming each problem. */
function validated(input: Record<string, unknown>): Policy {
  const result = validatePolicy(input);
  if (!result.ok) throw new RuleViolationError(result.errors);
  return canonicalPolicy(result.value);
}
