import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@rl/devstack';

export interface Figure {
  readonly section: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Human-readable target, e.g. '>= 1.5x'. */
  readonly target?: string;
  readonly met?: boolean;
  readonly note?: string;
}

export function fmt(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);
}

/** Prints the figures as a Markdown table and saves them beside the benchmarks. */
export function report(figures: readonly Figure[], meta: Record<string, string>): void {
  const lines = ['| section | figure | value | target | |', '|---|---|---|---|---|'];
  for (const f of figures) {
    const verdict = f.met === undefined ? '' : f.met ? 'met' : '**missed**';
    lines.push(`| ${f.section} | ${f.name} | ${fmt(f.value)} ${f.unit} | ${f.target ?? ''} | ${verdict}${f.note ? ` ${f.note}` : ''} |`);
  }
  const table = lines.join('\n');
  console.log(`\n${table}\n`);
  const dir = join(workspaceRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), JSON.stringify({ meta, figures }, null, 2) + '\n');
  writeFileSync(join(dir, 'latest.md'), `${Object.entries(meta).map(([k, v]) => `- ${k}: ${v}`).join('\n')}\n\n${table}\n`);
}
