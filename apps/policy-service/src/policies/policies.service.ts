import { Injectable } from '@nestjs/common';
import type { CreatePolicyDto, Policy, PolicyVersionView, ReplacePolicyDto } from '@rl/contracts';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/principal';
import { ChangeLog, type ChangeTransaction } from '../changes/change-log';
import { ConflictError, InvalidInputError, NotFoundError, PreconditionFailedError, PreconditionRequiredError, RuleViolationError } from '../errors/api-errors';
import { ifMatchAllows, parseIfMatch, type IfMatch } from '../http/if-match';
import { OverridesService } from '../overrides/overrides.service';
import { ensureTierForPolicy } from '../tiers/tier-rows';
import { normalizePolicy, reservedIdProblem } from './normalize-policy';
import { canonicalPolicy, matchKey, policyColumns, toPolicy, toVersionView, type PolicyRow, type PolicyVersionRow } from './policy-row';

/** A policy and the control revision its change committed as. */
export interface PolicyChangeResult {
  readonly policy: Policy;
  readonly revision: number;
}

export const POLICY_COLUMNS = 'id, version, match, match_key, algorithm, "limit", window_seconds, burst, scope, failure_mode, mode, envoy, escalation, limits';
const COLUMNS = POLICY_COLUMNS;
export const POLICY_SET_COLUMNS =
  'version = $2, match = $3, match_key = $4, algorithm = $5, "limit" = $6, window_seconds = $7, burst = $8, scope = $9, failure_mode = $10, mode = $11, envoy = $12, escalation = $13, limits = $14, updated_at = now()';
const SET_COLUMNS = POLICY_SET_COLUMNS;

/**
 * Versioned policies. Every change writes the head row, a new immutable version row, the audit
 * row and the outbox row in one transaction (ChangeLog). Replacing needs `If-Match`; the head is
 * updated only `WHERE version = <the version If-Match named>`.
 *
 * Customer overrides (ids `override-…`, set with `PUT /admin/limits`) are policies too: they are
 * listed and read here, their history is read here, and rolling one back goes through
 * OverridesService. Replacing or deleting one here is refused (422) with the route that does it.
 */
@Injectable()
export class PoliciesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: ChangeLog,
    private readonly overrides: OverridesService,
  ) {}

  /** Every policy and every customer override, by id. */
  async list(): Promise<Policy[]> {
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM policies ORDER BY id`)) as PolicyRow[];
    const all = [...rows.map(toPolicy), ...(await this.overrides.policies())];
    return all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async get(id: string): Promise<Policy> {
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM policies WHERE id = $1`, [id])) as PolicyRow[];
    if (rows.length > 0) return toPolicy(rows[0]);
    const override = isOverrideId(id) ? await this.overrides.policy(id) : undefined;
    if (override === undefined) throw new NotFoundError(`no policy ${id}`);
    return override;
  }

  async create(actor: Actor, input: CreatePolicyDto): Promise<PolicyChangeResult> {
    const reserved = reservedIdProblem(input.id);
    if (reserved !== undefined) throw new RuleViolationError([{ path: 'id', message: reserved }]);
    const draft = normalizePolicy({ id: input.id, fields: input, version: 1 });
    return this.changes.commit(actor, async (tx) => {
      const existing = await tx.query('SELECT 1 FROM policies WHERE id = $1', [draft.id]);
      if (existing.rowCount > 0) throw new ConflictError(`policy ${draft.id} exists already: replace it with PUT /v1/policies/${draft.id}`);
      await this.assertMatchIsFree(tx, draft);
      await ensureTierForPolicy(tx, draft.match.customerTier);
      // A deleted policy's history stays, so a re-created one continues its version numbers.
      const { rows } = await tx.query<{ latest: number }>('SELECT COALESCE(MAX(version), 0)::int AS latest FROM policy_versions WHERE policy_id = $1', [draft.id]);
      const policy: Policy = { ...draft, version: rows[0].latest + 1 };
      await tx.query(`INSERT INTO policies (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, [policy.id, ...policyColumns(policy)]);
      await this.appendVersion(tx, { policy, change: 'created' });
      const revision = await tx.record({
        change: { kind: 'policy.upserted', policy },
        action: 'policy.created',
        entityType: 'policy',
        entityId: policy.id,
        before: null,
        after: policy,
      });
      return { policy, revision };
    });
  }

  async replace(actor: Actor, request: { id: string; ifMatch: string | string[] | undefined; input: ReplacePolicyDto }): Promise<PolicyChangeResult> {
    const { id, input } = request;
    const ifMatch = requiredIfMatch(request.ifMatch);
    refuseOverride(id, 'replace');
    if (input.id !== undefined && input.id !== id) throw new RuleViolationError([{ path: 'id', message: `must equal the id in the path ("${id}") or be left out` }]);
    const draft = normalizePolicy({ id, fields: input, version: 1 });
    return this.changes.commit(actor, async (tx) => {
      const head = await this.lockedHead(tx, id, ifMatch);
      const policy: Policy = { ...draft, version: head.version + 1 };
      await this.assertMatchIsFree(tx, policy);
      await ensureTierForPolicy(tx, policy.match.customerTier);
      await this.updateHead(tx, policy, head.version);
      await this.appendVersion(tx, { policy, change: 'updated' });
      const revision = await tx.record({
        change: { kind: 'policy.upserted', policy },
        action: 'policy.updated',
        entityType: 'policy',
        entityId: id,
        before: head,
        after: policy,
      });
      return { policy, revision };
    });
  }

  /** Makes the content of an earlier version the newest version. `If-Match` is optional here. */
  async rollback(actor: Actor, request: { id: string; ifMatch: string | string[] | undefined; toVersion: number }): Promise<PolicyChangeResult> {
    const ifMatch = optionalIfMatch(request.ifMatch);
    if (isOverrideId(request.id)) return this.overrides.rollback(actor, { policyId: request.id, ifMatch, toVersion: request.toVersion });
    return this.changes.commit(actor, async (tx) => {
      const head = await this.lockedHead(tx, request.id, ifMatch);
      const { rows } = await tx.query<{ policy: Policy }>('SELECT policy FROM policy_versions WHERE policy_id = $1 AND version = $2', [request.id, request.toVersion]);
      if (rows.length === 0) throw new RuleViolationError([{ path: 'version', message: `policy "${request.id}" has no version ${request.toVersion}` }]);
      const policy: Policy = canonicalPolicy({ ...rows[0].policy, id: request.id, version: head.version + 1 });
      await this.assertMatchIsFree(tx, policy);
      await ensureTierForPolicy(tx, policy.match.customerTier);
      await this.updateHead(tx, policy, head.version);
      await this.appendVersion(tx, { policy, change: 'rolled_back', rolledBackFrom: request.toVersion });
      const revision = await tx.record({
        change: { kind: 'policy.upserted', policy },
        action: 'policy.rolled_back',
        entityType: 'policy',
        entityId: request.id,
        before: head,
        after: policy,
      });
      return { policy, revision };
    });
  }

  /** Deletes the policy; its version history stays readable. `If-Match` is optional here. */
  async remove(actor: Actor, request: { id: string; ifMatch: string | string[] | undefined }): Promise<number> {
    const ifMatch = optionalIfMatch(request.ifMatch);
    refuseOverride(request.id, 'delete');
    return this.changes.commit(actor, async (tx) => {
      const head = await this.lockedHead(tx, request.id, ifMatch);
      const deleted = await tx.query('DELETE FROM policies WHERE id = $1 AND version = $2', [request.id, head.version]);
      if (deleted.rowCount === 0) throw new PreconditionFailedError(`policy ${request.id} changed concurrently`, head.version);
      return tx.record({
        change: { kind: 'policy.deleted', policyId: request.id },
        action: 'policy.deleted',
        entityType: 'policy',
        entityId: request.id,
        before: head,
        after: null,
      });
    });
  }

  async versions(id: string): Promise<PolicyVersionView[]> {
    const rows = (await this.dataSource.query('SELECT * FROM policy_versions WHERE policy_id = $1 ORDER BY version', [id])) as PolicyVersionRow[];
    if (rows.length === 0) throw new NotFoundError(`no policy ${id}, and no history of one`);
    return rows.map(toVersionView);
  }

  async version(id: string, version: number): Promise<PolicyVersionView> {
    const rows = (await this.dataSource.query('SELECT * FROM policy_versions WHERE policy_id = $1 AND version = $2', [id, version])) as PolicyVersionRow[];
    if (rows.length === 0) throw new NotFoundError(`policy ${id} has no version ${version}`);
    return toVersionView(rows[0]);
  }

  /** The current policy, checked against `If-Match`. Changes are serialised (ChangeLog), so it stays current. */
  private async lockedHead(tx: ChangeTransaction, id: string, ifMatch: IfMatch | undefined): Promise<Policy> {
    const { rows } = await tx.query<PolicyRow>(`SELECT ${COLUMNS} FROM policies WHERE id = $1 FOR UPDATE`, [id]);
    if (rows.length === 0) throw new NotFoundError(`no policy ${id}`);
    const head = toPolicy(rows[0]);
    if (head.match.envoy !== undefined) {
      throw new ConflictError(
        `policy ${id} was imported with the envoy rate-limit configuration of domain "${head.match.envoy.domain}": change it by importing that domain again (POST /v1/imports/envoy-ratelimit)`,
      );
    }
    if (ifMatch !== undefined && !ifMatchAllows(ifMatch, head.version)) {
      const named = ifMatch.any ? '*' : ifMatch.versions.join(', ');
      throw new PreconditionFailedError(`policy ${id} is at version ${head.version}, not ${named}: fetch it again and reapply your change`, head.version);
    }
    return head;
  }

  /** Optimistic concurrency: the head moves only from the version that was read. */
  private async updateHead(tx: ChangeTransaction, policy: Policy, expectedVersion: number): Promise<void> {
    const updated = await tx.query(`UPDATE policies SET ${SET_COLUMNS} WHERE id = $1 AND version = $15`, [policy.id, ...policyColumns(policy), expectedVersion]);
    if (updated.rowCount === 0) throw new PreconditionFailedError(`policy ${policy.id} changed concurrently`, expectedVersion);
  }

  private async appendVersion(tx: ChangeTransaction, entry: { policy: Policy; change: PolicyVersionView['change']; rolledBackFrom?: number }): Promise<void> {
    await tx.query(
      `INSERT INTO policy_versions (policy_id, version, policy, change, rolled_back_from, actor_key_id, actor_name) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [entry.policy.id, entry.policy.version, JSON.stringify(entry.policy), entry.change, entry.rolledBackFrom ?? null, tx.actor.keyId ?? null, tx.actor.name],
    );
  }

  private async assertMatchIsFree(tx: ChangeTransaction, policy: Policy): Promise<void> {
    const { rows } = await tx.query<{ id: string }>('SELECT id FROM policies WHERE match_key = $1 AND id <> $2', [matchKey(policy.match, policy.algorithm), policy.id]);
    if (rows.length > 0) throw new RuleViolationError([{ path: 'match', message: `matches the same requests as policy "${rows[0].id}"` }]);
  }
}

/** `override-…` ids belong to customer overrides (reservedIdProblem keeps policies off them). */
function isOverrideId(id: string): boolean {
  return id.startsWith('override-');
}

function refuseOverride(id: string, verb: 'replace' | 'delete'): void {
  if (!isOverrideId(id)) return;
  const how = verb === 'replace' ? 'set it with PUT /admin/limits' : 'remove it with DELETE /admin/limits/{customerId}';
  throw new RuleViolationError([{ path: 'id', message: `"${id}" is a customer override: ${how}` }]);
}

const IF_MATCH_HINT = 'must be the policy version you are replacing, e.g. 3 or "3" (GET returns it as ETag), or *';

function requiredIfMatch(header: string | string[] | undefined): IfMatch {
  const parsed = optionalIfMatch(header);
  if (parsed === undefined) throw new PreconditionRequiredError('PUT needs If-Match: <version>, the version you are replacing (GET returns it as ETag)');
  return parsed;
}

function optionalIfMatch(header: string | string[] | undefined): IfMatch | undefined {
  const parsed = parseIfMatch(header);
  if (parsed === 'invalid') throw new InvalidInputError([{ path: 'If-Match', message: IF_MATCH_HINT }]);
  return parsed;
}
