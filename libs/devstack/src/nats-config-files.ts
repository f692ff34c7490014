import { layoutAccounts, natsPermissionLayout, renderNatsAuthorization, type NatsPermissions } from './nats-permissions';

/** The environment variable a shipped nats-server configuration reads a user's password from. */
export function natsPasswordVariable(user: string): string {
  return `NATS_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PASSWORD`;
}

/**
 * infra/nats/nats-server.conf: the server of the compose topology (namespace `rl`, regions us-east
 * and eu-west), JetStream, monitoring, and the permission layout with each password read from the
 * environment (natsPasswordVariable), so the file holds no secret.
 */
export function composeNatsServerConfig(): string {
  const layout = natsPermissionLayout({ namespace: 'rl', regions: ['us-east', 'eu-west'] });
  return [
    '# nats-server configuration of the compose topology (infra/compose): namespace "rl", regions us-east and eu-west.',
    '# Generated from natsPermissionLayout (libs/devstack); `UPDATE_NATS_CONFIG=1 npx nx run infra:test` rewrites it.',
    '# Each service has its own user and only the permissions it needs (README: "NATS permissions"). Passwords come',
    '# from the environment ($NATS_<USER>_PASSWORD): nothing secret is in this file. For TLS, add a `tls { cert_file,',
    '# key_file }` block and give the services NATS_TLS_CA_FILE (infra/nats/README.md).',
    'listen: "0.0.0.0:4222"',
    'http: "0.0.0.0:8222"',
    'jetstream { store_dir: "/data" }',
    '',
    renderNatsAuthorization(layoutAccounts(layout), (user) => `user: ${JSON.stringify(user)}, password: $${natsPasswordVariable(user)}`),
    '',
  ].join('\n');
}

/** Placeholders natsPermissionsTemplate writes in place of the namespace, its stream prefix and the region. */
const NS = 'zzznamespace';
const REGION = 'zzzregion';

/**
 * infra/terraform/modules/region/templates/nats-permissions.json.tftpl: the permission layout as a
 * Terraform template with `${ns}`, `${stream_prefix}` and `${region}` (one enforcer region per
 * render), so the region module grants exactly what natsPermissionLayout does.
 */
export function natsPermissionsTemplate(): string {
  const layout = natsPermissionLayout({ namespace: NS, regions: [REGION] });
  const strip = (permissions: NatsPermissions): NatsPermissions => ({ publish: permissions.publish, subscribe: permissions.subscribe });
  const document = { policy_service: strip(layout.policyService.permissions), reconciler: strip(layout.reconciler.permissions), enforcer: strip(layout.enforcers[REGION].permissions) };
  return `${JSON.stringify(document, null, 2)
    .replaceAll(NS.toUpperCase(), '${stream_prefix}')
    .replaceAll(NS, '${ns}')
    .replaceAll(REGION, '${region}')}\n`;
}
