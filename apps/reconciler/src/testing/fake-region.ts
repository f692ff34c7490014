import {
  encodeGlobalMessage,
  globalAllocationsStream,
  globalAllocationsSubject,
  globalUsageSubject,
  globalWindowStartMs,
  parseAllocationUpdate,
  type UsageReport,
} from '@rl/contracts';
import type { MessageSigner } from '@rl/platform';
import { connect, type ConsumerMessages, type NatsConnection } from 'nats';
import { testAllocationVerifier, testUsageSigner } from './signing-keys';

/**
 * A region's enforcer as the reconciler sees it, for integration tests: it consumes its region's
 * allocations from the stream (per key, the highest epoch wins; older ones are ignored, as the
 * design requires), admits against its cap (the static equal split until an allocation arrives)
 * and publishes absolute usage reports with its applied epoch. Like an enforcer it applies only
 * allocations signed by the reconciler's key, and signs its reports with its region's key.
 */
export class FakeRegion {
  readonly caps = new Map<string, { epoch: number; cap: number }>();
  readonly admitted = new Map<string, number>();
  readonly denied = new Map<string, number>();
  /** Every (epoch, cap) applied per key, in order. */
  readonly history: Array<{ key: string; epoch: number; cap: number }> = [];
  appliedEpoch = 0;
  private sequence = 0;
  private messages: ConsumerMessages | undefined;
  private readonly signer: MessageSigner;

  private constructor(
    private readonly nc: NatsConnection,
    readonly options: { namespace: string; region: string; regions: number; policyId: string; limit: number; windowSeconds: number; instanceId?: string; limitName?: string },
    private readonly onApply: () => void,
  ) {
    this.signer = testUsageSigner(options.region);
  }

  static async start(options: FakeRegion['options'] & { onApply?: () => void }): Promise<FakeRegion> {
    const nc = await connect({ servers: 'nats://127.0.0.1:4222', name: `fake ${options.region}` });
    const region = new FakeRegion(nc, options, options.onApply ?? (() => undefined));
    await region.follow();
    return region;
  }

  cap(key: string): number {
    return this.caps.get(key)?.cap ?? Math.floor(this.options.limit / this.options.regions);
  }

  /** Tries `count` requests of cost 1 for `key`; returns how many were admitted. */
  admit(key: string, count: number): number {
    let ok = 0;
    for (let i = 0; i < count; i += 1) {
      const admitted = this.admitted.get(key) ?? 0;
      if (admitted + 1 <= this.cap(key)) {
        this.admitted.set(key, admitted + 1);
        ok += 1;
      } else this.denied.set(key, (this.denied.get(key) ?? 0) + 1);
    }
    return ok;
  }

  /** The absolute report of everything counted so far in the current window. */
  report(nowMs = Date.now()): UsageReport {
    this.sequence += 1;
    const keys = [...new Set([...this.admitted.keys(), ...this.denied.keys()])].map((k) => [k, this.admitted.get(k) ?? 0, this.denied.get(k) ?? 0] as const);
    return {
      schema: 1,
      region: this.options.region,
      instanceId: this.options.instanceId ?? `${this.options.region}-fake`,
      sequence: this.sequence,
      sentAtMs: nowMs,
      appliedEpoch: this.appliedEpoch,
      windows: [{ ...this.windowName(), windowStartMs: globalWindowStartMs(nowMs, this.options.windowSeconds), windowSeconds: this.options.windowSeconds, limit: this.options.limit, keys }],
    };
  }

  publish(report: UsageReport = this.report()): UsageReport {
    for (const data of encodeGlobalMessage(report)) this.nc.publish(globalUsageSubject(this.options.namespace, this.options.region), this.signer.sign('usage-report', data).envelope);
    return report;
  }

  /** Bytes as they are, unsigned unless they are an envelope already (forgeries, malformed reports). */
  publishRaw(data: Uint8Array | string, region = this.options.region): void {
    this.nc.publish(globalUsageSubject(this.options.namespace, region), typeof data === 'string' ? new TextEncoder().encode(data) : data);
  }

  /** The window's policy, and the stacked limit it counts when it counts one (`limitName`). */
  private windowName(): { policyId: string; limitName?: string } {
    const { policyId, limitName } = this.options;
    return limitName === undefined ? { policyId } : { policyId, limitName };
  }

  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.nc.close();
  }

  private async follow(): Promise<void> {
    const stream = globalAllocationsStream(this.options.namespace);
    const consumer = await this.nc.jetstream().consumers.get(stream, {
      filterSubjects: globalAllocationsSubject(this.options.namespace, this.options.region),
    });
    this.messages = await consumer.consume({ max_messages: 256 });
    const messages = this.messages;
    void (async () => {
      for await (const message of messages) {
        const verified = testAllocationVerifier.verify('allocation', message.data);
        if (!verified.ok) continue;
        const parsed = parseAllocationUpdate(verified.payload);
        if (!parsed.ok) continue;
        const update = parsed.value;
        for (const w of update.windows) {
          if (w.policyId !== this.options.policyId || w.limitName !== this.options.limitName) continue;
          for (const [key, cap] of w.keys) {
            const held = this.caps.get(key);
            if (held !== undefined && update.epoch <= held.epoch) continue;
            this.caps.set(key, { epoch: update.epoch, cap });
            this.history.push({ key, epoch: update.epoch, cap });
          }
        }
        this.appliedEpoch = Math.max(this.appliedEpoch, update.epoch);
        this.onApply();
      }
    })();
  }
}
