import { connect, JSONCodec, type NatsConnection } from 'nats';
import { decisionEventsStream, parseSignedEnvelope, policyChangesStream, type PolicyChangeMessage } from '@rl/contracts';

export interface StoredChange {
  readonly seq: number;
  readonly msgId: string | undefined;
  /** The payload of the signed envelope (not verified here). */
  readonly message: PolicyChangeMessage;
  /** The bytes as stored: the signed envelope. */
  readonly data: Uint8Array;
}

const codec = JSONCodec<PolicyChangeMessage>();

export function connectTestNats(): Promise<NatsConnection> {
  return connect({ servers: 'nats://127.0.0.1:4222', name: 'policy-service tests' });
}

/** Every message on a namespace's policy-changes stream, in stream order. */
export async function readPolicyChanges(nc: NatsConnection, namespace: string): Promise<StoredChange[]> {
  const jsm = await nc.jetstreamManager();
  const stream = policyChangesStream(namespace);
  const info = await jsm.streams.info(stream);
  const out: StoredChange[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const stored = await jsm.streams.getMessage(stream, { seq });
    const envelope = parseSignedEnvelope(stored.data);
    const payload = envelope.ok ? envelope.payload : stored.data;
    out.push({ seq, msgId: stored.header?.get('Nats-Msg-Id'), message: codec.decode(payload), data: stored.data });
  }
  return out;
}

/** Deletes a suite's streams (afterAll): policy changes and the decision events every app creates; a stream never created is fine. */
export async function deletePolicyChangesStream(nc: NatsConnection, namespace: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const stream of [policyChangesStream(namespace), decisionEventsStream(namespace)]) {
    try {
      await jsm.streams.delete(stream);
    } catch (error) {
      if (!/stream not found/i.test(error instanceof Error ? error.message : String(error))) throw error;
    }
  }
}

/** A namespace of the suite's own: `t` and 10 random characters. */
export function testNamespace(): string {
  return `t${Math.random().toString(36).slice(2, 12)}`;
}
