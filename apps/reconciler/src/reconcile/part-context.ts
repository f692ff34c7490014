import type { Logger } from 'pino';
import type { ReconcilerConfig } from '../config/reconciler-config';
import type { QuotaLedger } from './quota-ledger';

/** What every part of the reconciler is built with: the config, the logger, the shared book and the wall clock (ms; windows are aligned to it). */
export interface PartContext {
  readonly config: ReconcilerConfig;
  readonly logger: Logger;
  readonly ledger: QuotaLedger;
  readonly now: () => number;
}
