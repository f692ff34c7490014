import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { workspaceRoot } from '@rl/devstack';
import { onLoadCpus } from './pinning';

const run = promisify(execFile);

export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly non2xx: number;
  readonly p99Ms: number;
}

/** wrk from Debian; installed with apt when missing and running as root, otherwise a clear error. */
export function ensureWrk(): void {
  if (spawnSync('sh', ['-c', 'command -v wrk']).status === 0) return;
  if (process.getuid?.() === 0) {
    console.log('installing wrk with apt-get ...');
    spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq wrk'], { stdio: 'inherit' });
    if (spawnSync('sh', ['-c', 'command -v wrk']).status === 0) return;
  }
  throw new Error("wrk is not installed: the HTTP benchmark needs it (Debian: apt-get install wrk)");
}

export async function runWrk(options: { url: string; connections: number; seconds: number; threads?: number; script?: string }): Promise<WrkResult> {
  const script = join(workspaceRoot(), 'bench', 'wrk', options.script ?? 'check.lua');
  const { command, args } = onLoadCpus('wrk', [`-t${options.threads ?? 1}`, `-c${options.connections}`, `-d${options.seconds}s`, '--latency', '-s', script, options.url]);
  const { stdout } = await run(command, args, { env: process.env });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  if (!rps) throw new Error(`could not parse wrk output:\n${stdout}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const unit = p99?.[2] === 'us' ? 0.001 : p99?.[2] === 's' ? 1000 : 1;
  return { requestsPerSecond: Number(rps[1]), non2xx: non2xx ? Number(non2xx[1]) : 0, p99Ms: p99 ? Number(p99[1]) * unit : NaN };
}
