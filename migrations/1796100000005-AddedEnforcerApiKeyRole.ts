import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys may have the `enforcer` role: the enforcers' key, which reads the policy snapshot and
 * creates automatic blocks and nothing else. `down` deletes the enforcer keys (nothing else could
 * hold that role) before restoring the narrower check.
 */
export class AddedEnforcerApiKeyRole1796100000005 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check`);
    await queryRunner.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('viewer', 'editor', 'admin', 'enforcer'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM api_keys WHERE role = 'enforcer'`);
    await queryRunner.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check`);
    await queryRunner.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('viewer', 'editor', 'admin'))`);
  }
}
