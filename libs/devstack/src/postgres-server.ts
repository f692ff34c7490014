import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
import { freePort, isListening, waitFor } from './ports';
import { spawnManaged, type ManagedProcess } from './processes';

export interface PostgresServerHandle {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, TLS only when started with `tls`). */
  readonly url: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  /** TLS with this certificate and key; plaintext connections are then refused (pg_hba `hostnossl ... reject`). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Addresses to listen on; 127.0.0.1 by default. */
  readonly listenAddresses?: readonly string[];
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  if (found === undefined) throw new Error("PostgreSQL server binaries are not installed: install Debian's postgresql package (apt-get install postgresql)");
  return found;
}

/** Runs a server binary as the `postgres` user when this process is root (PostgreSQL refuses to run as root). */
function asServerUser(command: string, args: readonly string[]): { command: string; args: string[] } {
  return process.getuid?.() === 0 ? { command: 'runuser', args: ['-u', 'postgres', '--', command, ...args] } : { command, args: [...args] };
}

function serverUserIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A throw-away PostgreSQL cluster (initdb in a temporary directory, trust authentication, its own
 * port), for tests the shared server on 5432 cannot serve, such as TLS. Stop it with `stop()`; the
 * directory is removed.
 */
export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServerHandle> {
  const bin = binDir();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `rl-postgres-${port}-`));
  const owner = serverUserIds();
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const init = asServerUser(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const initialised = spawnSync(init.command, init.args, { encoding: 'utf8' });
  if (initialised.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed:\n${initialised.stderr}`);
  }
  const settings = [`-p`, String(port), '-k', dir, '-c', `listen_addresses=${(options.listenAddresses ?? ['127.0.0.1']).join(',')}`, '-c', 'fsync=off'];
  if (options.tls !== undefined) {
    // The server reads its key only when the server user owns it and nobody else can read it.
    for (const [from, name] of [
      [options.tls.certFile, 'server.crt'],
      [options.tls.keyFile, 'server.key'],
    ] as const) {
      copyFileSync(from, join(dir, name));
      chmodSync(join(dir, name), 0o600);
      if (owner !== undefined) chownSync(join(dir, name), owner.uid, owner.gid);
    }
    writeFileSync(join(data, 'pg_hba.conf'), ['local all all trust', 'hostssl all all 127.0.0.0/8 trust', 'hostnossl all all 0.0.0.0/0 reject', ''].join('\n'));
    settings.push('-c', 'ssl=on', '-c', `ssl_cert_file=${join(dir, 'server.crt')}`, '-c', `ssl_key_file=${join(dir, 'server.key')}`);
  }
  const run = asServerUser(join(bin, 'postgres'), ['-D', data, ...settings]);
  const proc = spawnManaged({ name: `postgres:${port}`, command: run.command, args: run.args });
  const stop = async (): Promise<void> => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`postgres on port ${port}`, async () => {
      if (proc.child.exitCode !== null) throw new Error(`postgres on port ${port} exited:\n${proc.output()}`);
      // Listening is not ready: while it starts up, the server answers "the database system is starting up".
      return (await isListening(port)) && (await acceptsConnections({ bin, socketDir: dir, port }));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url: `postgres://postgres@127.0.0.1:${port}/postgres`, process: proc, stop };
}

/** Whether the server takes connections now (pg_isready over its Unix socket, where trust applies). */
function acceptsConnections(input: { bin: string; socketDir: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(join(input.bin, 'pg_isready'), ['-h', input.socketDir, '-p', String(input.port), '-U', 'postgres', '-t', '2'], (error) => resolve(error === null));
  });
}
