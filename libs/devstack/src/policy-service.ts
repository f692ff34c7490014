import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports';
import { spawnManaged } from './processes';
import { startNodeService, workspaceRoot, type ServiceHandle } from './services';
import { defaultStackSigningKeys, policyServiceSigningEnv, type StackSigningKeys } from './signing';

export interface PolicyServiceOptions {
  /** Fixed port (npm start: 8080); a free one when omitted (tests). */
  readonly port?: number;
  /** A created and migrated database (see `preparePolicyDatabase`). */
  readonly databaseUrl: string;
  readonly natsUrl: string;
  /** NATS_NAMESPACE: a namespace per suite keeps suites apart on one NATS server. */
  readonly namespace: string;
  /** ADMIN_TOKEN: bootstraps the first admin API key. */
  readonly adminToken: string;
  /** The stack's signing keys (POLICY_SIGNING_PRIVATE_KEY); the process-wide default set when omitted. */
  readonly signingKeys?: StackSigningKeys;
  /**
   * ENFORCER_API_KEY: the enforcers' key (role `enforcer`: the snapshot and automatic blocks, nothing
   * else). Give the enforcers this as POLICY_SERVICE_TOKEN, never the admin token.
   */
  readonly enforcerApiKey?: string;
  /**
   * Each region's enforcer (ENFORCER_URLS) and the token of their internal routes
   * (ENFORCER_INTERNAL_TOKEN; give the enforcers the same as INTERNAL_API_TOKEN), for the counter
   * inspector. Without it the counter routes answer 503.
   */
  readonly enforcers?: { readonly urls: ReadonlyArray<{ readonly region: string; readonly url: string }>; readonly internalToken: string };
  /** More environment, e.g. LOG_LEVEL. */
  readonly env?: Record<string, string>;
  readonly onLine?: (line: string) => void;
}

/** Starts the compiled policy service (npm run build first), signing with the stack's key, and waits until `/readyz` answers 200. */
export async function startPolicyService(options: PolicyServiceOptions): Promise<ServiceHandle> {
  const port = options.port ?? (await freePort());
  return startNodeService({
    name: 'policy-service',
    entry: 'apps/policy-service/src/main.js',
    port,
    readyPath: '/readyz',
    env: {
      DATABASE_URL: options.databaseUrl,
      NATS_URL: options.natsUrl,
      NATS_NAMESPACE: options.namespace,
      ADMIN_TOKEN: options.adminToken,
      ...(options.enforcerApiKey === undefined ? {} : { ENFORCER_API_KEY: options.enforcerApiKey }),
      ...(options.enforcers === undefined
        ? {}
        : { ENFORCER_URLS: options.enforcers.urls.map(({ region, url }) => `${region}=${url}`).join(','), ENFORCER_INTERNAL_TOKEN: options.enforcers.internalToken }),
      INSTANCE_ID: `policy-service-${port}`,
      ...policyServiceSigningEnv(options.signingKeys ?? defaultStackSigningKeys()),
      ...options.env,
    },
    onLine: options.onLine,
  });
}

/**
 * `npm run migrate` for one database URL, through the policy service's compiled migrate entry
 * (npm run build first): creates the database if it does not exist and applies every pending
 * migration. Resolves with the entry's summary line, e.g. `database ratelimit is up to date`.
 */
export async function preparePolicyDatabase(databaseUrl: string): Promise<string> {
  const root = workspaceRoot();
  const entry = join(root, 'dist', 'apps', 'policy-service', 'src', 'migrate.js');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: run \`npm run build\` first`);
  const proc = spawnManaged({
    name: 'migrate',
    command: process.execPath,
    args: ['-r', join(root, 'tools', 'register-paths.js'), entry],
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' },
    cwd: root,
  });
  // 'close' comes after the output streams end, so the summary line has been read.
  const code = await new Promise<number | null>((resolve) => proc.child.once('close', (exitCode: number | null) => resolve(exitCode)));
  if (code !== 0) throw new Error(`migrations failed (exit code ${code}):\n${proc.output()}`);
  return summaryOf(proc.output());
}

/** The `msg` of the last JSON log line, or the last line as is. */
function summaryOf(output: string): string {
  const last = output.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(last) as { msg?: unknown };
    return typeof parsed.msg === 'string' ? parsed.msg : last;
  } catch {
    return last;
  }
}
