import type { Logger } from 'pino';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Runs `work` in one READ COMMITTED transaction on a connection of its own: commits when it
 * returns, rolls back when it throws (and rethrows that error, not a failed rollback's).
 */
export async function inTransaction<T>(options: { dataSource: DataSource; logger: Logger; work: (runner: QueryRunner) => Promise<T> }): Promise<T> {
  const runner = options.dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction('READ COMMITTED');
    const result = await options.work(runner);
    await runner.commitTransaction();
    return result;
  } catch (error) {
    if (runner.isTransactionActive) {
      try {
        await runner.rollbackTransaction();
      } catch (rollbackError) {
        options.logger.warn({ err: rollbackError }, 'rollback failed after an error; the connection is discarded');
      }
    }
    throw error;
  } finally {
    await runner.release();
  }
}
