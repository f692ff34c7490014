import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './ports';

export interface TcpProxyHandle {
  readonly port: number;
  /** Drops every connection through the proxy and refuses new ones, as a network partition would. */
  cut(): void;
  /** Accepts connections again. */
  heal(): void;
  readonly isCut: boolean;
  stop(): Promise<void>;
}

/**
 * A TCP proxy on loopback in front of `target`, that a test or bench can cut and heal: the link it
 * carries (a NATS leaf node's connection to its hub, say) fails while nothing else is killed.
 * Cut, it closes both sides of every open connection and closes each new one at once.
 */
export async function startTcpProxy(input: { targetPort: number; targetHost?: string; port?: number }): Promise<TcpProxyHandle> {
  const port = input.port ?? (await freePort());
  const open = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect({ port: input.targetPort, host: input.targetHost ?? '127.0.0.1' });
    open.add(client);
    open.add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    get isCut() {
      return cut;
    },
    cut() {
      cut = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    heal() {
      cut = false;
    },
    async stop() {
      cut = true;
      for (const socket of open) socket.destroy();
      open.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
