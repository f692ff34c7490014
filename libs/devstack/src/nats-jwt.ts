import { createHash } from 'node:crypto';
import { nkeys } from 'nats';
import type { NatsPermissions } from './nats-permissions';

type KeyPair = ReturnType<typeof nkeys.createUser>;

/** A NATS JWT (`ed25519-nkey`), signed by `signer`; `jti` is the hash of the claims, as nsc writes it. */
function signJwt(claims: Record<string, unknown>, signer: KeyPair): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body: Record<string, unknown> = { ...claims, iat: Math.floor(Date.now() / 1000) };
  body.jti = createHash('sha256').update(JSON.stringify(body)).digest('base64url');
  const data = `${encode({ typ: 'JWT', alg: 'ed25519-nkey' })}.${encode(body)}`;
  return `${data}.${Buffer.from(signer.sign(Buffer.from(data))).toString('base64url')}`;
}

/** An operator with one account, for a nats-server in operator (JWT) mode, and creds files for its users. */
export interface TestNatsOperator {
  /** Lines for the server configuration: the operator, a memory resolver preloaded with the account. */
  readonly serverConfig: string;
  /** A `.creds` file's text (user JWT and NKey seed) for a user of the account with these permissions. */
  creds(user: { readonly user: string; readonly permissions: NatsPermissions }): string;
}

/**
 * What `nsc` would make, without `nsc`: an operator, one account and user JWTs signed in turn, so
 * tests can run a real nats-server in operator mode and connect with NATS_CREDS.
 */
export function createTestNatsOperator(): TestNatsOperator {
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  const operatorJwt = signJwt({ iss: operator.getPublicKey(), sub: operator.getPublicKey(), name: 'test operator', nats: { type: 'operator', version: 2 } }, operator);
  const limits = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
  const accountJwt = signJwt({ iss: operator.getPublicKey(), sub: account.getPublicKey(), name: 'test account', nats: { type: 'account', version: 2, limits } }, operator);
  // JetStream needs a system account in operator mode.
  const system = nkeys.createAccount();
  const systemJwt = signJwt({ iss: operator.getPublicKey(), sub: system.getPublicKey(), name: 'SYS', nats: { type: 'account', version: 2, limits } }, operator);
  return {
    serverConfig: [
      `operator: ${operatorJwt}`,
      `system_account: ${system.getPublicKey()}`,
      'resolver: MEMORY',
      `resolver_preload: { ${account.getPublicKey()}: ${accountJwt}, ${system.getPublicKey()}: ${systemJwt} }`,
    ].join('\n'),
    creds(user) {
      const pair = nkeys.createUser();
      const userJwt = signJwt(
        {
          iss: account.getPublicKey(),
          sub: pair.getPublicKey(),
          name: user.user,
          nats: { type: 'user', version: 2, pub: { allow: user.permissions.publish }, sub: { allow: user.permissions.subscribe }, subs: -1, data: -1, payload: -1 },
        },
        account,
      );
      const seed = new TextDecoder().decode(pair.getSeed());
      return `-----BEGIN NATS USER JWT-----\n${userJwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`;
    },
  };
}
