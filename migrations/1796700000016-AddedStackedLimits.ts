import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stacked limits (issue 16): `policies.limits` holds a policy's `"limits": [...]` (NULL for a
 * policy of one limit). `limit`, `window_seconds` and `burst` keep describing the limit with the
 * shortest window, so every reader of one limit still reads a valid one. Versions keep the whole
 * policy in `policy_versions.policy` already.
 */
export class AddedStackedLimits1796700000016 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE policies ADD COLUMN limits jsonb NULL CHECK (limits IS NULL OR (jsonb_typeof(limits) = 'array' AND jsonb_array_length(limits) BETWEEN 1 AND 8))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE policies DROP COLUMN limits`);
  }
}
