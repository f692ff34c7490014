import type { MigrationInterface, QueryRunner } from 'typeorm';
import { POLICY_SERVICE_DB_ROLE } from './policy-service-role';

const READ_WRITE = ['policies', 'customers', 'overrides', 'outbox', 'api_keys'];
const APPEND_ONLY = ['policy_versions', 'audit_log'];

/**
 * The role the policy service acts as (it switches to it on every connection, DATABASE_ROLE):
 * read-write on the current state, SELECT and INSERT only on the audit log and the version
 * history. Roles are cluster-wide, so the role is created once and kept on `down`; only this
 * database's grants are revoked.
 */
export class CreatedPolicyServiceRole1795332315415 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${POLICY_SERVICE_DB_ROLE}') THEN
          CREATE ROLE ${POLICY_SERVICE_DB_ROLE} NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        RAISE NOTICE 'role ${POLICY_SERVICE_DB_ROLE} was created concurrently';
      END
      $$`);
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${POLICY_SERVICE_DB_ROLE}`);
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${READ_WRITE.join(', ')} TO ${POLICY_SERVICE_DB_ROLE}`);
    await queryRunner.query(`GRANT SELECT, UPDATE ON control_revision TO ${POLICY_SERVICE_DB_ROLE}`);
    await queryRunner.query(`GRANT SELECT, INSERT ON ${APPEND_ONLY.join(', ')} TO ${POLICY_SERVICE_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const tables = [...READ_WRITE, 'control_revision', ...APPEND_ONLY];
    await queryRunner.query(`REVOKE ALL ON ${tables.join(', ')} FROM ${POLICY_SERVICE_DB_ROLE}`);
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM ${POLICY_SERVICE_DB_ROLE}`);
  }
}
