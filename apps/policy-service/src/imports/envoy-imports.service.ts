import { Injectable } from '@nestjs/common';
import type { Policy } from '@rl/contracts';
import { EnvoyConfigError, envoyPolicies, parseEnvoyConfig, type EnvoyDomainConfig } from '@rl/envoy-config';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/principal';
import { writeAudit } from '../changes/audit-writer';
import { ChangeLog, type ChangeTransaction } from '../changes/change-log';
import { ConflictError, RuleViolationError } from '../errors/api-errors';
import { canonicalPolicy, policyColumns, toPolicy, type PolicyRow } from '../policies/policy-row';
import { POLICY_COLUMNS, POLICY_SET_COLUMNS } from '../policies/policies.service';
import { planEnvoyImport, type EnvoyImportPlan } from './plan-envoy-import';

/** What an import answers (documented as EnvoyImportView). */
export interface EnvoyImportResult {
  readonly domain: string;
  readonly dryRun: boolean;
  readonly revision?: number;
  readonly created: readonly Policy[];
  readonly changed: readonly Policy[];
  readonly deleted: readonly Policy[];
  readonly unchanged: readonly string[];
}

/** How a bad file is named in messages: the request body is the file. */
const BODY = 'request body';

/**
 * Imports of envoyproxy/ratelimit configuration files. One file is one domain; each of its
 * descriptors becomes one policy. An import replaces the domain's policies as ONE revision
 * (`envoy.domain.replaced`): the policies it creates, changes and deletes commit in one
 * transaction with their version rows, one audit row per policy and one for the domain, so every
 * enforcer switches from the old rules to the new ones at once.
 */
@Injectable()
export class EnvoyImportsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: ChangeLog,
  ) {}

  async import(actor: Actor, input: { text: string; dryRun: boolean }): Promise<EnvoyImportResult> {
    const config = parse(input.text);
    const desired = envoyPolicies(config);
    if (input.dryRun) {
      const plan = await this.plan({ query: (text, params) => this.dataSource.query(text, params as unknown[]) as Promise<unknown[]> }, config.domain, desired);
      return view({ domain: config.domain, dryRun: true, plan });
    }
    return this.changes.commit(actor, async (tx) => {
      const plan = await this.plan({ query: async (text, params) => (await tx.query(text, params)).rows, lock: true }, config.domain, desired);
      if (plan.created.length + plan.changed.length + plan.deleted.length === 0) return view({ domain: config.domain, dryRun: false, plan });
      const revision = await this.apply(tx, config.domain, plan);
      return view({ domain: config.domain, dryRun: false, plan, revision });
    });
  }

  /** The plan against the stored state; inside the change transaction the domain's rows are locked. */
  private async plan(db: { query: (text: string, params: readonly unknown[]) => Promise<unknown[]>; lock?: boolean }, domain: string, desired: readonly Policy[]): Promise<EnvoyImportPlan> {
    const rows = (await db.query(`SELECT ${POLICY_COLUMNS} FROM policies WHERE envoy_domain = $1 ORDER BY id${db.lock === true ? ' FOR UPDATE' : ''}`, [domain])) as PolicyRow[];
    const current = rows.map(toPolicy);
    const ours = new Set(current.map((p) => p.id));
    const ids = desired.map((p) => p.id).filter((id) => !ours.has(id));
    if (ids.length > 0) {
      const taken = (await db.query('SELECT id FROM policies WHERE id = ANY($1) ORDER BY id LIMIT 1', [ids])) as { id: string }[];
      if (taken.length > 0) throw new ConflictError(`policy ${taken[0].id} exists already and is not one of domain "${domain}"'s imported rules`);
    }
    const latest = (await db.query('SELECT policy_id, MAX(version)::int AS version FROM policy_versions WHERE policy_id = ANY($1) GROUP BY policy_id', [ids])) as {
      policy_id: string;
      version: number;
    }[];
    const latestVersions = new Map(latest.map((r) => [r.policy_id, r.version]));
    return planEnvoyImport({ current, desired, latestVersions });
  }

  private async apply(tx: ChangeTransaction, domain: string, plan: EnvoyImportPlan): Promise<number> {
    for (const policy of plan.deleted) await tx.query('DELETE FROM policies WHERE id = $1', [policy.id]);
    for (const policy of plan.created) {
      await tx.query(`INSERT INTO policies (${POLICY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, [policy.id, ...policyColumns(policy)]);
      await appendVersion(tx, policy, 'created');
    }
    for (const { previous, ...policy } of plan.changed) {
      await tx.query(`UPDATE policies SET ${POLICY_SET_COLUMNS} WHERE id = $1 AND version = $15`, [policy.id, ...policyColumns(policy), previous.version]);
      await appendVersion(tx, policy, 'updated');
    }
    const revision = await tx.record({
      change: { kind: 'envoy.domain.replaced', domain, policies: plan.next.map(canonicalPolicy) },
      action: 'envoy_domain.imported',
      entityType: 'envoy_domain',
      entityId: domain,
      before: { policies: [...plan.unchanged, ...plan.changed.map((c) => c.previous), ...plan.deleted].map((p) => p.id).sort() },
      after: { created: plan.created.map((p) => p.id), changed: plan.changed.map((p) => p.id), deleted: plan.deleted.map((p) => p.id), unchanged: plan.unchanged.length },
    });
    // Each policy's own history in the audit log, at the domain's revision.
    const audit = (entry: { action: string; id: string; before: Policy | null; after: Policy | null }) =>
      writeAudit(tx.runner, { actor: tx.actor, action: entry.action, entityType: 'policy', entityId: entry.id, revision, before: entry.before, after: entry.after });
    for (const policy of plan.created) await audit({ action: 'policy.created', id: policy.id, before: null, after: policy });
    for (const { previous, ...policy } of plan.changed) await audit({ action: 'policy.updated', id: policy.id, before: previous, after: policy });
    for (const policy of plan.deleted) await audit({ action: 'policy.deleted', id: policy.id, before: policy, after: null });
    return revision;
  }
}

function parse(text: string): EnvoyDomainConfig {
  try {
    return parseEnvoyConfig({ fileName: BODY, text });
  } catch (error) {
    if (!(error instanceof EnvoyConfigError)) throw error;
    // The path inside the file is the field path of the answer; the message is envoyproxy/ratelimit's.
    throw new RuleViolationError(error.problems.map((p) => ({ path: p.path, message: p.message })));
  }
}

async function appendVersion(tx: ChangeTransaction, policy: Policy, change: 'created' | 'updated'): Promise<void> {
  await tx.query('INSERT INTO policy_versions (policy_id, version, policy, change, rolled_back_from, actor_key_id, actor_name) VALUES ($1, $2, $3, $4, NULL, $5, $6)', [
    policy.id,
    policy.version,
    JSON.stringify(canonicalPolicy(policy)),
    change,
    tx.actor.keyId ?? null,
    tx.actor.name,
  ]);
}

function view(input: { domain: string; dryRun: boolean; plan: EnvoyImportPlan; revision?: number }): EnvoyImportResult {
  const { plan } = input;
  const result = {
    domain: input.domain,
    dryRun: input.dryRun,
    created: plan.created.map(canonicalPolicy),
    // canonicalPolicy keeps the policy's own fields only (not `previous`).
    changed: plan.changed.map(canonicalPolicy),
    deleted: plan.deleted.map(canonicalPolicy),
    unchanged: plan.unchanged.map((p) => p.id),
  };
  return input.revision === undefined ? result : { ...result, revision: input.revision };
}
