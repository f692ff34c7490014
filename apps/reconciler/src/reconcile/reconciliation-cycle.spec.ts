import { LeadershipLostError } from '../leader/leader-lease';
import { partFixtures, RecordingJetStream, seriesValue, usageReport } from '../testing/reconcile-fixtures';
import { AllocationPublisher } from './allocation-publisher';
import { ReconciliationCycle, STALL_INTERVALS, type ReconciliationCycleOptions } from './reconciliation-cycle';

/** The lease as the cycle sees it: leading or not, epochs reserved in memory. */
class FakeLeadership {
  leading = true;
  leaderSinceMs = 0;
  epoch = 0;
  readonly reserved: number[] = [];
  readonly lost: string[] = [];
  reserveFailure: Error | undefined;

  isLeader(): boolean {
    return this.leading;
  }

  currentEpoch(): number {
    return this.epoch;
  }

  reserveEpochs(lastEpoch: number): Promise<void> {
    if (this.reserveFailure !== undefined) return Promise.reject(this.reserveFailure);
    this.reserved.push(lastEpoch);
    this.epoch = lastEpoch;
    return Promise.resolve();
  }

  lose(reason: string): void {
    this.leading = false;
    this.lost.push(reason);
  }
}

function setup() {
  const parts = partFixtures();
  const leadership = new FakeLeadership();
  leadership.leaderSinceMs = parts.clock.ms;
  const js = new RecordingJetStream();
  const publisher = new AllocationPublisher({ ...parts, jetstream: () => js, isLeader: () => leadership.isLeader() });
  const mirror = { caughtUp: true, problem: (): string | undefined => 'consumer being created' };
  const intake: ReconciliationCycleOptions['intake'] = { reportsSinceMs: parts.clock.ms - parts.config.intervalMs, lastAcceptedReportMs: Number.NEGATIVE_INFINITY, onAccepted: () => undefined };
  const cycle = new ReconciliationCycle({ ...parts, leadership, publisher, mirror, intake });
  /** Both regions report demand for one key, as accepted by the intake. */
  const report = (): void => {
    for (const region of ['us-east', 'eu-west']) parts.ledger.book.ingest(usageReport({ region, key: 'user:1', admitted: region === 'us-east' ? 400 : 10, nowMs: parts.clock.ms, sequence: parts.clock.ms }), parts.clock.ms);
    Object.assign(intake, { lastAcceptedReportMs: parts.clock.ms });
  };
  return { ...parts, leadership, js, publisher, mirror, intake, cycle, report };
}

describe('ReconciliationCycle', () => {
  it('as leader: computes, reserves the epochs, then publishes every update', async () => {
    const { cycle, leadership, js, report, ledger } = setup();
    report();
    await cycle.tick();
    expect(leadership.reserved).toHaveLength(1);
    expect(js.sent.length).toBeGreaterThan(0);
    expect(cycle.lastStats).toMatchObject({ epoch: leadership.reserved[0] });
    expect(ledger.book.lastEpoch).toBe(leadership.reserved[0]);
  });

  it('as standby, or as a cold leader within its first interval of reports, publishes nothing', async () => {
    const standby = setup();
    standby.leadership.leading = false;
    standby.report();
    await standby.cycle.tick();
    expect({ reserved: standby.leadership.reserved, sent: standby.js.sent }).toEqual({ reserved: [], sent: [] });

    const cold = setup();
    Object.assign(cold.intake, { reportsSinceMs: cold.clock.ms - 1 });
    cold.report();
    await cold.cycle.tick();
    expect({ reserved: cold.leadership.reserved, sent: cold.js.sent }).toEqual({ reserved: [], sent: [] });
  });

  it('gives the lead up when its epochs cannot be reserved, publishing nothing', async () => {
    const { cycle, leadership, js, publisher, report } = setup();
    leadership.reserveFailure = new LeadershipLostError('epoch 1 not reserved: wrong last sequence');
    report();
    await cycle.tick();
    expect(leadership.lost).toEqual(['epoch 1 not reserved: wrong last sequence']);
    expect(js.sent).toEqual([]);
    expect(publisher.holdsUnpublished).toBe(true);
  });

  it('reports a leader stalled when no cycle completes for the stall intervals while reports arrive, and clears it once one does', async () => {
    const { cycle, mirror, clock, config, registry, report } = setup();
    mirror.caughtUp = false;
    clock.ms += (STALL_INTERVALS + 1) * config.intervalMs;
    report();
    await cycle.tick();
    expect(cycle.stalled).toBe('allocation stream not read to its end (consumer being created)');
    expect(await seriesValue(registry, 'rl_reconciler_stalled')).toBe(1);
    expect(await seriesValue(registry, 'rl_reconciler_stalls_total')).toBe(1);

    mirror.caughtUp = true;
    await cycle.tick();
    clock.ms += config.intervalMs;
    await cycle.tick();
    expect(cycle.stalled).toBeUndefined();
    expect(await seriesValue(registry, 'rl_reconciler_stalled')).toBe(0);
  });
});
