import { Injectable } from '@nestjs/common';
import type { Block, BlockDenialDto, BlockSource, BlockType, BlockView, CreateBlockDto } from '@rl/contracts';
import { DataSource } from 'typeorm';
import { actorOf, type Actor, type Principal } from '../auth/principal';
import { ChangeLog } from '../changes/change-log';
import { PolicyServiceConfig } from '../config/policy-service-config';
import { Clock } from '../core/clock';
import { NotFoundError, PermissionError, RuleViolationError } from '../errors/api-errors';
import { blockSourceProblem, catchAllProblem, normaliseBlockValue, type MinimumPrefix } from './block-rules';

export interface BlockRow {
  id: string;
  type: BlockType;
  value: string;
  reason: string;
  source: BlockSource;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  denials: BlockDenialDto[] | null;
}

export const BLOCK_COLUMNS = 'id, type, value, reason, source, created_by, created_at, expires_at, denials';

function toView(row: BlockRow): BlockView {
  return {
    id: row.id,
    type: row.type,
    value: row.value,
    reason: row.reason,
    source: row.source,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    expiresAt: row.expires_at.toISOString(),
    ...(row.denials === null ? {} : { denials: row.denials }),
  };
}

/** The stored form of an automatic block's denials: the fields given, in a fixed order. */
function storedDenials(denials: readonly BlockDenialDto[]): BlockDenialDto[] {
  return denials.map((d) => ({
    policyId: d.policyId,
    at: d.at,
    region: d.region,
    ...(d.route === undefined ? {} : { route: d.route }),
    ...(d.method === undefined ? {} : { method: d.method }),
    ...(d.customerId === undefined ? {} : { customerId: d.customerId }),
    ...(d.limit === undefined ? {} : { limit: d.limit }),
    ...(d.windowSeconds === undefined ? {} : { windowSeconds: d.windowSeconds }),
  }));
}

/** The wire form enforcers receive (snapshot `blocks`, `block.added`). */
export function toBlock(row: BlockRow): Block {
  return { id: row.id, type: row.type, value: row.value, expiresAt: row.expires_at.toISOString(), reason: row.reason, source: row.source };
}

/**
 * The block list. Adding and removing each commit as one control-plane change (`block.added`,
 * `block.removed`) with its audit row; expiry needs no change: enforcers drop a block at its
 * `expiresAt` and the snapshot leaves expired blocks out.
 *
 * Before anything is stored: only the `enforcer` role creates automatic blocks (403 otherwise), a
 * CIDR range wider than the configured minimum prefix needs `"confirm": true` (422), and CIDR
 * ranges are stored as their network (`198.51.100.7/24` becomes `198.51.100.0/24`).
 */
@Injectable()
export class BlocksService {
  private readonly minimumPrefix: MinimumPrefix;

  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: ChangeLog,
    private readonly clock: Clock,
    config: PolicyServiceConfig,
  ) {
    this.minimumPrefix = config.access.blockMinPrefix;
  }

  /** Active blocks, soonest expiry first. */
  async list(): Promise<BlockView[]> {
    const rows = (await this.dataSource.query(`SELECT ${BLOCK_COLUMNS} FROM blocks WHERE expires_at > $1 ORDER BY expires_at, id`, [this.clock.now()])) as BlockRow[];
    return rows.map(toView);
  }

  async add(principal: Principal, input: CreateBlockDto): Promise<BlockView & { revision: number }> {
    const source = input.source ?? 'operator';
    const refused = blockSourceProblem({ role: principal.role, keyName: principal.name, source });
    if (refused !== undefined) throw new PermissionError(refused);
    const tooWide = catchAllProblem({ type: input.type, value: input.value, confirm: input.confirm, minimum: this.minimumPrefix });
    if (tooWide !== undefined) throw new RuleViolationError([tooWide]);
    const actor = actorOf(principal);
    const value = normaliseBlockValue(input.type, input.value);
    if (input.denials !== undefined && source !== 'automatic') {
      throw new RuleViolationError([{ path: 'denials', message: 'are carried by automatic blocks only ("source": "automatic")' }]);
    }
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000);
    return this.changes.commit(actor, async (tx) => {
      const { rows } = await tx.query<BlockRow>(
        `INSERT INTO blocks (type, value, reason, source, created_by, created_at, expires_at, denials) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING ${BLOCK_COLUMNS}`,
        [input.type, value, input.reason, source, actor.name, now, expiresAt, input.denials === undefined ? null : JSON.stringify(storedDenials(input.denials))],
      );
      const view = toView(rows[0]);
      const revision = await tx.record({
        change: { kind: 'block.added', block: toBlock(rows[0]) },
        action: 'block.added',
        entityType: 'block',
        entityId: view.id,
        before: null,
        after: view,
      });
      return { ...view, revision };
    });
  }

  async remove(actor: Actor, id: string): Promise<number> {
    return this.changes.commit(actor, async (tx) => {
      const { rows } = await tx.query<BlockRow>(`DELETE FROM blocks WHERE id = $1 RETURNING ${BLOCK_COLUMNS}`, [id]);
      if (rows.length === 0) throw new NotFoundError(`no block ${id}`);
      return tx.record({
        change: { kind: 'block.removed', blockId: id },
        action: 'block.removed',
        entityType: 'block',
        entityId: id,
        before: toView(rows[0]),
        after: null,
      });
    });
  }
}
