import { globalUsageSubject } from '@rl/contracts';
import { FORGER_KEY, testUsageSigner } from '../testing/signing-keys';
import { MessageSigner } from '@rl/platform';
import { encodedOnce, partFixtures, seriesValue, TEST_POLICY, usageReport } from '../testing/reconcile-fixtures';
import { ReportIntake } from './report-intake';

function setup(): ReturnType<typeof partFixtures> & { intake: ReportIntake; accepted: number[] } {
  const parts = partFixtures();
  const intake = new ReportIntake(parts);
  const accepted: number[] = [];
  intake.onAccepted((nowMs) => accepted.push(nowMs));
  return { ...parts, intake, accepted };
}

describe('ReportIntake', () => {
  it('feeds a report signed by the region its subject names into the book, counts it and tells the listeners', async () => {
    const { intake, accepted, ledger, registry, clock } = setup();
    const report = usageReport({ region: 'us-east', key: 'user:1', admitted: 40, nowMs: clock.ms });
    intake.receive(globalUsageSubject('unit', 'us-east'), testUsageSigner('us-east').sign('usage-report', encodedOnce(report)).envelope);
    expect(accepted).toEqual([clock.ms]);
    expect(intake.lastAcceptedReportMs).toBe(clock.ms);
    expect(ledger.book.currentWindow(TEST_POLICY, clock.ms)?.keys.has('user:1')).toBe(true);
    expect(await seriesValue(registry, 'rl_reconciler_reports_total', { result: 'accepted' })).toBe(1);
  });

  it('rejects, counts and never ingests: another region\'s key, a forger\'s key, an unknown region, a body naming another region, a malformed body', async () => {
    const { intake, accepted, ledger, registry, clock } = setup();
    const us = usageReport({ region: 'us-east', key: 'user:1', admitted: 40, nowMs: clock.ms });
    intake.receive(globalUsageSubject('unit', 'us-east'), testUsageSigner('eu-west').sign('usage-report', encodedOnce(us)).envelope);
    intake.receive(globalUsageSubject('unit', 'us-east'), MessageSigner.fromText(FORGER_KEY.privateKey).sign('usage-report', encodedOnce(us)).envelope);
    intake.receive(globalUsageSubject('unit', 'ap-south'), testUsageSigner('us-east').sign('usage-report', encodedOnce(us)).envelope);
    intake.receive(globalUsageSubject('unit', 'eu-west'), testUsageSigner('eu-west').sign('usage-report', encodedOnce(us)).envelope);
    intake.receive(globalUsageSubject('unit', 'us-east'), testUsageSigner('us-east').sign('usage-report', new TextEncoder().encode('{"schema":1}')).envelope);
    expect(accepted).toEqual([]);
    expect(ledger.book.currentWindow(TEST_POLICY, clock.ms)).toBeUndefined();
    expect(await seriesValue(registry, 'rl_reconciler_reports_total', { result: 'unknown_key' })).toBe(2);
    expect(await seriesValue(registry, 'rl_reconciler_reports_total', { result: 'unknown_region' })).toBe(1);
    expect(await seriesValue(registry, 'rl_reconciler_reports_total', { result: 'region_mismatch' })).toBe(1);
    expect(await seriesValue(registry, 'rl_reconciler_reports_total', { result: 'malformed' })).toBe(1);
    expect(await seriesValue(registry, 'rl_reconciler_reports_total', { result: 'accepted' })).toBe(0);
  });
});
