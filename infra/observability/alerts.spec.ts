import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * The alert rules evaluated, not just parsed: `promtool test rules` (Debian's prometheus package,
 * installed on demand) runs every rule of alerts.yml over the sample series of rule-tests.yml and
 * compares the alerts it fires, labels and annotations included, at the times given. That every
 * metric named there exists is e2e/src/observability.e2e.spec.ts's part.
 */
const PROMETHEUS_DIR = join(__dirname, 'prometheus');
const ROOT = join(__dirname, '..', '..');

interface RuleFile {
  groups: { name: string; rules: { alert?: string; expr: string }[] }[];
}

interface RuleTests {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

function promtool(args: string[], cwd = PROMETHEUS_DIR): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

beforeAll(() => {
  execFileSync('bash', [join(ROOT, 'tools', 'ensure-debian-package.sh'), 'promtool', 'prometheus'], { stdio: 'inherit' });
});

describe('infra/observability/prometheus alert rules', () => {
  const rules = parse(readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')) as RuleFile;
  const tests = parse(readFileSync(join(PROMETHEUS_DIR, 'rule-tests.yml'), 'utf8')) as RuleTests;
  const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert)).filter((a): a is string => a !== undefined);

  it('are valid rules', () => {
    const check = promtool(['check', 'rules', 'alerts.yml']);
    expect(check.output).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(check.status).toBe(0);
  });

  it('fire on the sample series of their faults, and stay quiet on healthy ones (promtool test rules)', () => {
    const run = promtool(['test', 'rules', 'rule-tests.yml']);
    expect(run.output).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it('every alert has a test in which it fires', () => {
    expect(tests.rule_files).toEqual(['alerts.yml']);
    const fired = new Set(tests.tests.flatMap((t) => (t.alert_rule_test ?? []).filter((a) => (a.exp_alerts ?? []).length > 0).map((a) => a.alertname)));
    expect(alerts.filter((alert) => !fired.has(alert))).toEqual([]);
    expect(alerts).toContain('ReconcilerLeaderStalled');
  });

  it('the tests can fail: a stall alert that ignores the leader\'s own gauge misses the fault', () => {
    // The same tests against a broken copy of the rules: promtool must report the miss.
    const broken = readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8').replace('max by (instance) (rl_reconciler_stalled) == 1', 'max by (instance) (rl_reconciler_stalled) == 2');
    expect(broken).toContain('== 2');
    const dir = mkdtempSync(join(tmpdir(), 'rl-alerts-'));
    try {
      copyFileSync(join(PROMETHEUS_DIR, 'rule-tests.yml'), join(dir, 'rule-tests.yml'));
      writeFileSync(join(dir, 'alerts.yml'), broken);
      const run = promtool(['test', 'rules', 'rule-tests.yml'], dir);
      expect(run.status).not.toBe(0);
      expect(run.output).toContain('the leader reports itself stalled');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
