import type { PolicyDocument } from '../policies/policy-document';
import type { Block } from './block.dto';

/**
 * `GET /v1/policies/snapshot`: everything enforcers resolve against, as of one revision.
 * Revisions are gap-free and strictly increasing: every committed control-plane change
 * (policy, override or customer) takes the next one, in commit order.
 */
export interface PolicySnapshot extends PolicyDocument {
  readonly revision: number;
  /** Active blocks (expired ones are left out). Absent from older control planes: read as none. */
  readonly blocks?: readonly Block[];
}
