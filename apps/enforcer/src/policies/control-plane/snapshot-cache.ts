import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { validatePolicySnapshot, type PolicySnapshot as ControlPlaneSnapshot } from '@rl/contracts';

/** Which control plane a persisted snapshot came from; a file from another one is not used. */
export interface SnapshotOrigin {
  readonly policyServiceUrl: string;
  readonly namespace: string;
}

const FORMAT = 1;

interface CacheFile {
  readonly format: number;
  readonly origin: SnapshotOrigin;
  readonly savedAt: string;
  readonly snapshot: ControlPlaneSnapshot;
}

export type CacheLoad =
  | { readonly status: 'loaded'; readonly snapshot: ControlPlaneSnapshot; readonly savedAt: string }
  | { readonly status: 'absent' }
  | { readonly status: 'unusable'; readonly reason: string };

/**
 * The last applied snapshot on local disk, so an enforcer restarted while the control plane is
 * unreachable starts with the policies it last knew. Writes are atomic (a temp file in the same
 * directory, fsync, rename): a crash leaves the old file or the new one, never half of one.
 * `save` is debounced; `flush` writes what is pending (shutdown).
 */
export class SnapshotCache {
  private pending: ControlPlaneSnapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly options: { origin: SnapshotOrigin; debounceMs: number; onWriteError: (error: unknown) => void },
  ) {}

  async load(): Promise<CacheLoad> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return { status: 'absent' };
      return { status: 'unusable', reason: `cannot be read (${error instanceof Error ? error.message : String(error)})` };
    }
    let raw: Partial<CacheFile>;
    try {
      raw = JSON.parse(text) as Partial<CacheFile>;
    } catch {
      return { status: 'unusable', reason: 'not valid JSON' };
    }
    if (raw.format !== FORMAT) return { status: 'unusable', reason: `unknown format ${JSON.stringify(raw.format)}` };
    const origin = raw.origin;
    if (origin?.policyServiceUrl !== this.options.origin.policyServiceUrl || origin?.namespace !== this.options.origin.namespace) {
      return { status: 'unusable', reason: `written for another control plane (${JSON.stringify(origin)})` };
    }
    const result = validatePolicySnapshot(raw.snapshot);
    if (!result.ok) return { status: 'unusable', reason: `invalid snapshot: ${result.errors.map((e) => `${e.path} ${e.message}`).join('; ')}` };
    return { status: 'loaded', snapshot: result.value, savedAt: String(raw.savedAt) };
  }

  /** Schedules a write of `snapshot`; a later save within the debounce replaces it. */
  save(snapshot: ControlPlaneSnapshot): void {
    this.pending = snapshot;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.writePending();
      }, this.options.debounceMs);
      this.timer.unref();
    }
  }

  /** Writes the pending snapshot now and waits for every write in progress. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.writePending();
  }

  private writePending(): Promise<void> {
    const snapshot = this.pending;
    this.pending = undefined;
    if (snapshot !== undefined) {
      this.writing = this.writing.then(() => this.write(snapshot).catch(this.options.onWriteError));
    }
    return this.writing;
  }

  private async write(snapshot: ControlPlaneSnapshot): Promise<void> {
    const file: CacheFile = { format: FORMAT, origin: this.options.origin, savedAt: new Date().toISOString(), snapshot };
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify(file));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
