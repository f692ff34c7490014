import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { validatePolicyDocument, type PolicyDocument } from '@rl/contracts';
import { parse as parseYaml } from 'yaml';
import { PolicySource, SnapshotListeners, type ActivePolicies, type SnapshotListener } from './policy-source';
import { snapshotFromDocument } from './snapshot-from-document';

/** A policy file that cannot be used; the message names the file and every bad field path. */
export class PolicyFileError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`Invalid policy file ${path}: ${detail}`);
    this.name = 'PolicyFileError';
  }
}

/**
 * Reads and validates a policy document from a file: `.json` as JSON, anything else as YAML.
 * Throws PolicyFileError with the file path and each field path, e.g.
 * `Invalid policy file /etc/rl/policies.yaml: policies[2].limit must be an integer from 1 to 1000000000`.
 */
export async function readPolicyFile(path: string): Promise<{ document: PolicyDocument; revision: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PolicyFileError(path, `cannot be read (${messageOf(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    const format = extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML';
    throw new PolicyFileError(path, `not valid ${format}: ${messageOf(error).split('\n')[0]}`);
  }
  const result = validatePolicyDocument(parsed);
  if (!result.ok) {
    const detail = result.errors.map((e) => (e.path === '' ? `the document ${e.message}` : `${e.path} ${e.message}`)).join('; ');
    throw new PolicyFileError(path, detail);
  }
  const revision = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return { document: result.value, revision };
}

/** The message of anything thrown (errors from another realm, e.g. under Jest, fail `instanceof Error`). */
function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') return error.message;
  return String(error);
}

/**
 * Policies from POLICY_FILE. `open` reads the file once and fails on any problem, so a bad file
 * stops the boot. `reload` (wired to SIGHUP) swaps in a new valid file and publishes it; a bad file
 * then leaves the current snapshot in place and rejects with the reason.
 */
export class FilePolicySource extends PolicySource {
  private readonly listeners = new SnapshotListeners();

  private constructor(
    readonly path: string,
    private snapshot: ActivePolicies,
  ) {
    super();
  }

  static async open(path: string): Promise<FilePolicySource> {
    const { document, revision } = await readPolicyFile(path);
    return new FilePolicySource(path, snapshotFromDocument(document, revision));
  }

  current(): ActivePolicies {
    return this.snapshot;
  }

  subscribe(listener: SnapshotListener): () => void {
    return this.listeners.add(listener);
  }

  notReadyReason(): undefined {
    return undefined;
  }

  /** Re-reads the file; resolves with whether the content changed. */
  async reload(): Promise<boolean> {
    const { document, revision } = await readPolicyFile(this.path);
    if (revision === this.snapshot.revision) return false;
    this.snapshot = snapshotFromDocument(document, revision);
    this.listeners.publish(this.snapshot);
    return true;
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }
}
