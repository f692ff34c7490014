import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the estimated rollup counts rest on, so the analytics API can state their sampling rate
 * and error bound: per row, the sampled events behind `allowed` and `degraded`, and the variance
 * of each estimate (sum over those events of w(w - 1), w = 1 / sample rate: the unbiased variance
 * of a Horvitz-Thompson sum under Bernoulli sampling). NULL on rows written before this
 * migration: their error is unknown.
 */
export class AddedRollupSampleStatistics1796100000003 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE decision_rollups
        ADD COLUMN allowed_events bigint NULL CHECK (allowed_events >= 0),
        ADD COLUMN allowed_variance double precision NULL CHECK (allowed_variance >= 0),
        ADD COLUMN degraded_events bigint NULL CHECK (degraded_events >= 0),
        ADD COLUMN degraded_variance double precision NULL CHECK (degraded_variance >= 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE decision_rollups DROP COLUMN allowed_events, DROP COLUMN allowed_variance, DROP COLUMN degraded_events, DROP COLUMN degraded_variance`);
  }
}
