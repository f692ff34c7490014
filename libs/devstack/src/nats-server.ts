import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderNatsAuthorization, type NatsServiceAccount } from './nats-permissions';
import { freePort, isListening, waitFor } from './ports';
import { requireProgram, spawnManaged, type ManagedProcess } from './processes';

export interface NatsServerOptions {
  readonly port?: number;
  /** Users with a password or a public NKey, and permissions: the server then refuses anyone else. */
  readonly users?: ReadonlyArray<NatsServiceAccount & ({ readonly password: string } | { readonly nkey: string })>;
  /** TLS required of every client; with `verifyClients`, a client certificate signed by `caFile` too. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile?: string; readonly verifyClients?: boolean };
  /** More configuration, e.g. an operator and its resolver (createTestNatsOperator) instead of `users`. */
  readonly extraConfig?: string;
}

export interface NatsServerHandle {
  readonly port: number;
  readonly url: string;
  readonly process: ManagedProcess;
  /** Stops the server, keeping its JetStream directory, so `restart` comes back with the same streams. */
  stopProcess(): Promise<void>;
  /** Starts it again on the same port and store directory. */
  restart(): Promise<void>;
  /** Stops the server and removes its store directory. */
  stop(): Promise<void>;
}

function natsServerBinary(): string {
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  requireProgram('nats-server', "install Debian's nats-server package (apt-get install nats-server)");
  return 'nats-server';
}

/** The configuration file of a test server: loopback, JetStream in `dir`, optional users and TLS. */
function serverConfig(options: { port: number; dir: string; server: NatsServerOptions }): string {
  const lines = [`listen: "127.0.0.1:${options.port}"`, `jetstream { store_dir: ${JSON.stringify(options.dir)} }`];
  const { users, tls } = options.server;
  if (tls !== undefined) {
    lines.push(
      'tls {',
      `  cert_file: ${JSON.stringify(tls.certFile)}`,
      `  key_file: ${JSON.stringify(tls.keyFile)}`,
      ...(tls.caFile === undefined ? [] : [`  ca_file: ${JSON.stringify(tls.caFile)}`]),
      `  verify: ${tls.verifyClients === true}`,
      '  timeout: 2',
      '}',
    );
  }
  if (users !== undefined) {
    const credentials = new Map(users.map((u) => [u.user, 'nkey' in u ? `nkey: ${JSON.stringify(u.nkey)}` : `user: ${JSON.stringify(u.user)}, password: ${JSON.stringify(u.password)}`]));
    lines.push(renderNatsAuthorization(users, (user) => credentials.get(user) ?? ''));
  }
  if (options.server.extraConfig !== undefined) lines.push(options.server.extraConfig);
  return `${lines.join('\n')}\n`;
}

/**
 * A throw-away nats-server with JetStream (file storage in its own temporary directory), bound to
 * loopback on a free port: for tests that stop and restart NATS, which the shared server on 4222
 * must never be, and for tests of authorization, permissions and TLS (`users`, `tls`).
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const binary = natsServerBinary();
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), `rl-nats-${port}-`));
  const configFile = join(dir, 'nats-server.conf');
  writeFileSync(configFile, serverConfig({ port, dir: join(dir, 'jetstream'), server: options }));
  const spawn = async (): Promise<ManagedProcess> => {
    const proc = spawnManaged({ name: `nats-server:${port}`, command: binary, args: ['-c', configFile] });
    try {
      await waitFor(`nats-server on port ${port}`, async () => {
        if (proc.child.exitCode !== null) throw new Error(`nats-server on port ${port} exited:\n${proc.output()}`);
        return isListening(port);
      });
    } catch (error) {
      await proc.stop();
      throw error;
    }
    return proc;
  };
  let current = await spawn();
  return {
    port,
    url: `${options.tls === undefined ? 'nats' : 'tls'}://127.0.0.1:${port}`,
    get process() {
      return current;
    },
    stopProcess: () => current.stop(),
    async restart() {
      await current.stop();
      current = await spawn();
    },
    async stop() {
      await current.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
