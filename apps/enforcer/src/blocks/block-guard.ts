import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { CheckRequest } from '@rl/contracts';
import { PolicySource, type ActivePolicies } from '../policies/policy-source';
import { BlockList } from './block-list';
import { formatBlocked } from './format-blocked';
import type { CheckReply } from '../check/format-decision';

/**
 * The enforcer's block list, following the PolicySource: each snapshot (and so each `block.added`
 * / `block.removed` change, in revision order) compiles a new BlockList that is swapped in whole.
 * Consulted at the top of every check, before policy resolution and before any counter-store call.
 */
@Injectable()
export class BlockGuard implements OnModuleDestroy {
  private list: BlockList;
  private readonly unsubscribe: () => void;
  private readonly now: () => number;

  constructor(source: PolicySource) {
    this.now = Date.now;
    this.list = compile(source.current());
    this.unsubscribe = source.subscribe((snapshot) => {
      this.list = compile(snapshot);
    });
  }

  /** The 429 `blocked` reply when the request is blocked, else `undefined`. */
  check(request: CheckRequest, region: string): CheckReply | undefined {
    const list = this.list;
    if (list.size === 0) return undefined;
    const nowMs = this.now();
    const found = list.match(request, nowMs);
    return found === undefined ? undefined : formatBlocked({ remainingMs: found.expiresAtMs - nowMs, region });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }
}

function compile(snapshot: ActivePolicies | undefined): BlockList {
  const blocks = snapshot?.blocks;
  return blocks === undefined || blocks.length === 0 ? BlockList.EMPTY : new BlockList(blocks);
}
