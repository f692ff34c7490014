import type { QueryRunner } from 'typeorm';

export interface SqlResult<Row> {
  readonly rows: Row[];
  readonly rowCount: number;
}

/**
 * Runs one parameterised statement on a query runner's connection (inside its transaction, if
 * one is open) and returns rows and row count in one shape for SELECT, INSERT, UPDATE and DELETE.
 */
export async function sql<Row = Record<string, unknown>>(runner: QueryRunner, text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
  const result = await runner.query(text, [...params], true);
  const rows = (Array.isArray(result.records) ? result.records : []) as Row[];
  return { rows, rowCount: typeof result.affected === 'number' ? result.affected : rows.length };
}

/** A Postgres error's code (`23505` unique_violation, ...) and constraint, if `error` is one. */
export function pgError(error: unknown): { readonly code: string; readonly constraint: string | undefined } | undefined {
  const candidate = error as { driverError?: { code?: unknown; constraint?: unknown }; code?: unknown; constraint?: unknown } | undefined;
  const driver = candidate?.driverError ?? candidate;
  if (driver === undefined || typeof driver.code !== 'string') return undefined;
  return { code: driver.code, constraint: typeof driver.constraint === 'string' ? driver.constraint : undefined };
}
