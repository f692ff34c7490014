import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, type PolicySnapshot } from '@rl/contracts';
import type { MessageSigner } from '@rl/platform';
import { testPolicySigner } from './signing-keys';

/**
 * A stand-in for the policy service's snapshot endpoint, over real HTTP on a free port: serves
 * `snapshot` at `GET /v1/policies/snapshot` to `Bearer <token>` (401 otherwise), signed as the
 * policy service signs it (`rl-signature` header, by `signer`; none when undefined), counts
 * requests, and can be stopped and started again on the same port (an outage).
 */
export class SnapshotServer {
  snapshot: PolicySnapshot = { revision: 0, policies: [], overrides: [], customers: {} };
  signer: MessageSigner | undefined = testPolicySigner;
  requests = 0;
  port = 0;
  private server: Server | undefined;

  constructor(private readonly token: string) {}

  async start(port = this.port): Promise<void> {
    const server = createServer((req, res) => {
      this.requests += 1;
      if (req.headers.authorization !== `Bearer ${this.token}`) {
        res.writeHead(401).end();
      } else if (req.method !== 'GET' || req.url !== '/v1/policies/snapshot') {
        res.writeHead(404).end();
      } else {
        const body = Buffer.from(JSON.stringify(this.snapshot));
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (this.signer !== undefined) headers[SIGNATURE_HEADER] = this.signer.signatureLine('policy-snapshot', body);
        res.writeHead(200, headers).end(body);
      }
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}
