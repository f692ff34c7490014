import {
  decisionEventsStream,
  decisionEventsSubject,
  globalAllocationsStream,
  globalAllocationsWildcard,
  globalUsageSubject,
  globalUsageWildcard,
  policyChangesStream,
  policyChangesSubject,
  reconcilerKvBucket,
} from '@rl/contracts';

/** What one NATS user may publish and subscribe to (nats-server `permissions`, allow lists). */
export interface NatsPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/** One service's NATS user: its name, the reply prefix it must use (NATS_INBOX_PREFIX) and its permissions. */
export interface NatsServiceAccount {
  readonly user: string;
  readonly inboxPrefix: string;
  readonly permissions: NatsPermissions;
}

export interface NatsPermissionLayout {
  readonly policyService: NatsServiceAccount;
  readonly reconciler: NatsServiceAccount;
  /** One user per region: a region publishes usage and events under its own name only. */
  readonly enforcers: Readonly<Record<string, NatsServiceAccount>>;
}

/** Reading a stream through consumers: create (ephemeral, ordered or durable), inspect, pull, delete. */
function consumerApi(stream: string): string[] {
  return [
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
  ];
}

/** Reading a stream someone else owns: its info, and consumers on it. */
function streamReaderApi(stream: string): string[] {
  return [`$JS.API.STREAM.INFO.${stream}`, ...consumerApi(stream)];
}

/** Creating, updating and inspecting a stream the service owns (its config is checked at every connection). */
function streamOwnerApi(stream: string): string[] {
  return [`$JS.API.STREAM.CREATE.${stream}`, `$JS.API.STREAM.UPDATE.${stream}`, `$JS.API.STREAM.INFO.${stream}`];
}

/**
 * The least-privilege NATS layout of one namespace (README: "NATS permissions"), from the same
 * subject builders the services use:
 * - the policy service publishes policy changes, owns the changes and decision-event streams and
 *   reads decision events through its durable consumer;
 * - each region's enforcers read the changes and allocation streams (ordered consumers) and
 *   publish usage reports and decision events for their own region only;
 * - the reconciler subscribes to every region's usage, publishes allocations, owns the allocations
 *   stream (and reads it back) and its KV bucket (leader lease, epochs).
 * Nobody else may publish a policy change or an allocation, or delete or purge a stream. Replies
 * come on a per-user inbox prefix, so no user reads another's replies.
 */
export function natsPermissionLayout(input: { namespace: string; regions: readonly string[] }): NatsPermissionLayout {
  const { namespace, regions } = input;
  const changes = policyChangesStream(namespace);
  const events = decisionEventsStream(namespace);
  const allocations = globalAllocationsStream(namespace);
  const bucket = reconcilerKvBucket(namespace);
  const account = (user: string, permissions: { publish: string[]; subscribe: string[] }): NatsServiceAccount => {
    const inboxPrefix = `_INBOX.${user}`;
    return { user, inboxPrefix, permissions: { publish: permissions.publish, subscribe: [...permissions.subscribe, `${inboxPrefix}.>`] } };
  };
  const policyService = account('policy-service', {
    publish: [
      policyChangesSubject(namespace),
      '$JS.API.INFO',
      ...streamOwnerApi(changes),
      ...streamOwnerApi(events),
      ...consumerApi(events),
      `$JS.API.CONSUMER.DURABLE.CREATE.${events}.*`,
      `$JS.ACK.${events}.>`,
    ],
    subscribe: [],
  });
  const reconciler = account('reconciler', {
    publish: [
      globalAllocationsWildcard(namespace),
      '$JS.API.INFO',
      ...streamOwnerApi(allocations),
      ...consumerApi(allocations),
      ...streamOwnerApi(`KV_${bucket}`),
      `$JS.API.STREAM.MSG.GET.KV_${bucket}`,
      `$JS.API.DIRECT.GET.KV_${bucket}`,
      `$JS.API.DIRECT.GET.KV_${bucket}.>`,
      `$KV.${bucket}.>`,
    ],
    subscribe: [globalUsageWildcard(namespace)],
  });
  const enforcers = Object.fromEntries(
    regions.map((region) => [
      region,
      account(`enforcer-${region}`, {
        publish: [globalUsageSubject(namespace, region), decisionEventsSubject(namespace, region), '$JS.API.INFO', ...streamReaderApi(changes), ...streamReaderApi(allocations)],
        subscribe: [],
      }),
    ]),
  );
  return { policyService, reconciler, enforcers };
}

/** Every account of a layout, policy service first, then the reconciler, then the regions in order. */
export function layoutAccounts(layout: NatsPermissionLayout): NatsServiceAccount[] {
  return [layout.policyService, layout.reconciler, ...Object.values(layout.enforcers)];
}

/**
 * The `authorization` block of a nats-server configuration for these accounts. `credential` gives
 * each user's credential line as it should appear in the file: `user` and `password` (a quoted
 * literal for tests, or a `$VAR` reference that nats-server reads from the environment), or `nkey`
 * with the user's public NKey (no secret in the file).
 */
export function renderNatsAuthorization(accounts: readonly NatsServiceAccount[], credential: (user: string) => string): string {
  const list = (items: readonly string[], indent: string): string => `[\n${items.map((item) => `${indent}  ${JSON.stringify(item)}`).join(',\n')}\n${indent}]`;
  const users = accounts.map((a) =>
    [
      '    {',
      `      ${credential(a.user)}`,
      '      permissions: {',
      `        publish: { allow: ${list(a.permissions.publish, '        ')} }`,
      `        subscribe: { allow: ${list(a.permissions.subscribe, '        ')} }`,
      '      }',
      '    }',
    ].join('\n'),
  );
  return ['authorization {', '  users: [', users.join('\n'), '  ]', '}'].join('\n');
}
