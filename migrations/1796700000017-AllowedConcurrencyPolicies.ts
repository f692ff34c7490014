import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Concurrency policies (`algorithm: "concurrency"`): the algorithm CHECK of `policies` admits them.
 * Their `leaseSeconds` is kept in `window_seconds` (a concurrency policy's windowSeconds equals its
 * lease), so no column is added. `down` fails while a concurrency policy exists: delete it first.
 */
export class AllowedConcurrencyPolicies1796700000017 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE policies DROP CONSTRAINT policies_algorithm_check`);
    await queryRunner.query(
      `ALTER TABLE policies ADD CONSTRAINT policies_algorithm_check CHECK (algorithm IN ('token_bucket', 'sliding_window', 'fixed_window', 'leaky_bucket', 'gcra', 'sliding_log', 'concurrency'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE policies DROP CONSTRAINT policies_algorithm_check`);
    await queryRunner.query(`ALTER TABLE policies ADD CONSTRAINT policies_algorithm_check CHECK (algorithm IN ('token_bucket', 'sliding_window', 'fixed_window', 'leaky_bucket', 'gcra', 'sliding_log'))`);
  }
}
