import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Overrides get a version history like policies: from now on every set and rollback of an
 * override appends its policy to `policy_versions` under the override's policy id. This records
 * the current version of each existing override there (earlier versions were never kept), so
 * each one has a history to roll back to. `down` leaves the rows: the history is append-only.
 */
export class RecordedOverrideHistory1796100000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      INSERT INTO policy_versions (policy_id, version, policy, change, actor_name, created_at)
      SELECT policy_id, version, policy, CASE WHEN version = 1 THEN 'created' ELSE 'updated' END, 'migration', updated_at
      FROM overrides ORDER BY policy_id
      ON CONFLICT (policy_id, version) DO NOTHING`);
  }

  async down(): Promise<void> {
    // policy_versions refuses DELETE (MadeHistoryAppendOnly); the rows are harmless without this migration.
  }
}
