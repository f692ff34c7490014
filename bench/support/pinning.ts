import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * Keeping the load generator off the server's CPU (BENCH_PIN, default on when `taskset` exists and
 * the machine has at least two CPUs): servers (Node services and their redis-servers) run on CPU 0,
 * load generators (wrk, redis-benchmark, this process's open loops) on the others. On a 2-core
 * machine this is the honest setup: without it the generator steals the server's core, and every
 * figure measures the contention.
 */
export const PINNING = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && spawnSync('sh', ['-c', 'command -v taskset']).status === 0;

export const SERVER_CPUS = '0';
export const LOAD_CPUS = cpus().length > 2 ? `1-${cpus().length - 1}` : '1';

/** Pins every thread of process `pid` to the server CPUs. */
export function pinServer(pid: number | undefined): void {
  if (!PINNING || pid === undefined) return;
  execFileSync('taskset', ['-a', '-c', '-p', SERVER_CPUS, String(pid)], { stdio: 'ignore' });
}

/** Pins this process (the benchmark driver, which also generates load) to the load CPUs. */
export function pinSelfToLoad(): void {
  if (!PINNING) return;
  execFileSync('taskset', ['-a', '-c', '-p', LOAD_CPUS, String(process.pid)], { stdio: 'ignore' });
}

/** A command line run on the load CPUs: `taskset -c <cpus> <command> ...` when pinning, else as is. */
export function onLoadCpus(command: string, args: readonly string[]): { command: string; args: string[] } {
  return PINNING ? { command: 'taskset', args: ['-c', LOAD_CPUS, command, ...args] } : { command, args: [...args] };
}

/** How the figures were taken, for the report header. */
export function pinningNote(): string {
  return PINNING ? `servers and their redis-servers on CPU ${SERVER_CPUS}, load generators on CPU ${LOAD_CPUS} (taskset)` : 'not pinned';
}
