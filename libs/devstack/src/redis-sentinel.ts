import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isListening, waitFor } from './ports';
import { requireProgram, spawnManaged, type ManagedProcess } from './processes';
import { startRedisServer, type RedisServerHandle } from './redis-server';

export interface RedisSentinelGroupHandle {
  /** The group name the sentinel monitors. */
  readonly masterName: string;
  /** `host:port` of the sentinel. */
  readonly sentinel: string;
  readonly sentinelProcess: ManagedProcess;
  /** The primary it was started with, then the replica; either may be the primary after a failover. */
  readonly servers: readonly RedisServerHandle[];
  stop(): Promise<void>;
}

export interface RedisSentinelGroupOptions {
  readonly masterName?: string;
  /** How long a primary must be unreachable before the sentinel fails it over, ms. */
  readonly downAfterMs?: number;
}

/**
 * A Sentinel-managed group of throw-away processes for failover tests: a primary, one replica of
 * it, and one sentinel (quorum 1) run by Debian's redis-server binary in sentinel mode, all on
 * loopback and free ports. Resolves once the replica is in sync and the sentinel has seen it, so a
 * failover can promote it. `stop()` stops every process and removes the sentinel's directory.
 */
export async function startRedisSentinelGroup(options: RedisSentinelGroupOptions = {}): Promise<RedisSentinelGroupHandle> {
  requireProgram('redis-server', "install Debian's redis-server package (apt-get install redis-server)");
  const masterName = options.masterName ?? 'rl-counters';
  const primary = await startRedisServer();
  const started: RedisServerHandle[] = [primary];
  let sentinelProcess: ManagedProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'rl-sentinel-'));
  const stop = async (): Promise<void> => {
    await sentinelProcess?.stop();
    await Promise.all(started.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const replica = await startRedisServer({ extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)] });
    started.push(replica);
    const port = await freePort();
    // The sentinel rewrites its config file, so it lives in a directory of its own.
    const config = join(dir, 'sentinel.conf');
    writeFileSync(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${primary.port} 1`,
        `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 500}`,
        `sentinel failover-timeout ${masterName} 2000`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
    const proc = spawnManaged({ name: `redis-sentinel:${port}`, command: 'redis-server', args: [config, '--sentinel'] });
    sentinelProcess = proc;
    await waitFor(`redis-sentinel on port ${port}`, async () => {
      if (proc.child.exitCode !== null) throw new Error(`redis-sentinel on port ${port} exited:\n${proc.output()}`);
      return isListening(port);
    });
    // Failover needs a replica the sentinel knows about and that is in sync.
    await waitFor('sentinel sees an in-sync replica', () => Promise.resolve(/\+slave slave 127\.0\.0\.1:\d+/.test(proc.output())), 20_000);
    return { masterName, sentinel: `127.0.0.1:${port}`, sentinelProcess: proc, servers: started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
