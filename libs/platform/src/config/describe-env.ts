import type { EnvSchema } from './env-var';

/** One row of a service's config table. */
export interface EnvDoc {
  readonly name: string;
  readonly required: boolean;
  /** How the default reads; `undefined` for required variables and for optional ones without default. */
  readonly defaultText: string | undefined;
  readonly description: string;
}

export function describeEnv(schema: EnvSchema): readonly EnvDoc[] {
  return Object.entries(schema).map(([name, v]) => ({
    name,
    required: v.required,
    defaultText: v.defaultText,
    description: v.description,
  }));
}

/** The config table as Markdown, for a README section that a test can keep in sync. */
export function renderEnvTable(docs: readonly EnvDoc[]): string {
  const rows = docs.map((d) => {
    const fallback = d.defaultText !== undefined ? `\`${d.defaultText}\`` : d.required ? 'required' : '(unset)';
    return `| \`${d.name}\` | ${fallback} | ${d.description.replace(/\|/g, '\\|')} |`;
  });
  return ['| Variable | Default | Description |', '|---|---|---|', ...rows].join('\n');
}
