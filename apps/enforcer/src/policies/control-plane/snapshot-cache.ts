import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parsePolicyChangeMessage, validatePolicySnapshot, type PolicyChangeMessage, type PolicySnapshot as ControlPlaneSnapshot } from '@rl/contracts';
import type { MessageVerifier, VerificationFailure } from '@rl/platform';

/** Which control plane a persisted snapshot came from; a file from another one is not used. */
export interface SnapshotOrigin {
  readonly policyServiceUrl: string;
  readonly namespace: string;
}

/**
 * What is persisted: the last snapshot read from the policy service and the changes applied on
 * top of it, each exactly as signed (envelopes: `rl-signature` line, line feed, payload).
 * Nothing the enforcer computed itself is stored, so the file needs no key of its own: it is
 * trusted only as far as its signatures verify.
 */
export interface SignedJournal {
  readonly snapshot: Uint8Array;
  /** Consecutive revisions after the snapshot's, in order. */
  readonly changes: readonly Uint8Array[];
}

/** Version 2: signed envelopes. Version 1 files (an unsigned document) are not used. */
const FORMAT = 2;

interface CacheFile {
  readonly format: number;
  readonly origin: SnapshotOrigin;
  readonly savedAt: string;
  /** The envelopes as text: they are UTF-8 (a signature line, then JSON). */
  readonly snapshot: string;
  readonly changes: readonly string[];
}

export type CacheLoad =
  | {
      readonly status: 'loaded';
      readonly snapshot: ControlPlaneSnapshot;
      /** The journal's changes, verified and parsed, in revision order. */
      readonly changes: readonly PolicyChangeMessage[];
      readonly journal: SignedJournal;
      readonly savedAt: string;
    }
  | { readonly status: 'absent' }
  /** `signature` is set when the file was refused because something in it did not verify. */
  | { readonly status: 'unusable'; readonly reason: string; readonly signature?: VerificationFailure };

const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The last applied policies on local disk, so an enforcer restarted while the control plane is
 * unreachable starts with the policies it last knew. They are kept as a signed journal (see
 * SignedJournal), verified against POLICY_SIGNING_PUBLIC_KEYS when loaded: a file edited on
 * disk, or signed by a key no longer trusted, is not used. Writes are atomic (a temp file in the
 * same directory, fsync, rename): a crash leaves the old file or the new one, never half of one.
 * `save` is debounced; `flush` writes what is pending (shutdown).
 */
export class SnapshotCache {
  private pending: SignedJournal | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly options: { origin: SnapshotOrigin; verifier: MessageVerifier; debounceMs: number; onWriteError: (error: unknown) => void },
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
    if (typeof raw !== 'object' || raw === null) return { status: 'unusable', reason: 'not a JSON object' };
    if (raw.format !== FORMAT) return { status: 'unusable', reason: `unknown format ${JSON.stringify(raw.format)}` };
    const origin = raw.origin;
    if (origin?.policyServiceUrl !== this.options.origin.policyServiceUrl || origin?.namespace !== this.options.origin.namespace) {
      return { status: 'unusable', reason: `written for another control plane (${JSON.stringify(origin)})` };
    }
    if (typeof raw.snapshot !== 'string' || !Array.isArray(raw.changes) || !raw.changes.every((c): c is string => typeof c === 'string')) {
      return { status: 'unusable', reason: 'snapshot and changes must be signed envelopes (strings)' };
    }
    return this.verify({ snapshot: encoder.encode(raw.snapshot), changes: raw.changes.map((c) => encoder.encode(c)) }, String(raw.savedAt));
  }

  /** Schedules a write of `journal`; a later save within the debounce replaces it. */
  save(journal: SignedJournal): void {
    this.pending = journal;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.writePending();
      }, this.options.debounceMs);
      this.timer.unref();
    }
  }

  /** Writes the pending journal now and waits for every write in progress. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.writePending();
  }

  private verify(journal: SignedJournal, savedAt: string): CacheLoad {
    const snapshot = this.options.verifier.verify('policy-snapshot', journal.snapshot);
    if (!snapshot.ok) return { status: 'unusable', reason: `the snapshot does not verify against POLICY_SIGNING_PUBLIC_KEYS (${snapshot.reason})`, signature: snapshot.reason };
    let document: unknown;
    try {
      document = JSON.parse(utf8.decode(snapshot.payload));
    } catch {
      return { status: 'unusable', reason: 'the snapshot is not UTF-8 JSON' };
    }
    const result = validatePolicySnapshot(document);
    if (!result.ok) return { status: 'unusable', reason: `invalid snapshot: ${result.errors.map((e) => `${e.path} ${e.message}`).join('; ')}` };
    const changes: PolicyChangeMessage[] = [];
    for (const [index, envelope] of journal.changes.entries()) {
      const change = this.options.verifier.verify('policy-change', envelope);
      if (!change.ok) return { status: 'unusable', reason: `change ${index + 1} does not verify against POLICY_SIGNING_PUBLIC_KEYS (${change.reason})`, signature: change.reason };
      const parsed = parsePolicyChangeMessage(change.payload);
      if (!parsed.ok) return { status: 'unusable', reason: `change ${index + 1} is invalid: ${parsed.errors.map((e) => `${e.path} ${e.message}`).join('; ')}` };
      const expected = result.value.revision + index + 1;
      if (parsed.value.revision !== expected) return { status: 'unusable', reason: `change ${index + 1} has revision ${parsed.value.revision}, not ${expected}` };
      changes.push(parsed.value);
    }
    return { status: 'loaded', snapshot: result.value, changes, journal, savedAt };
  }

  private writePending(): Promise<void> {
    const journal = this.pending;
    this.pending = undefined;
    if (journal !== undefined) {
      this.writing = this.writing.then(() => this.write(journal).catch(this.options.onWriteError));
    }
    return this.writing;
  }

  private async write(journal: SignedJournal): Promise<void> {
    const file: CacheFile = {
      format: FORMAT,
      origin: this.options.origin,
      savedAt: new Date().toISOString(),
      snapshot: utf8.decode(journal.snapshot),
      changes: journal.changes.map((c) => utf8.decode(c)),
    };
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
