import type { MigrationInterface, QueryRunner } from 'typeorm';
import { POLICY_SERVICE_DB_ROLE } from './policy-service-role';

/**
 * The block list: operator and automatic blocks by exact key, customer, IP or CIDR, each with an
 * expiry. Expired rows stay until removed; readers filter on `expires_at`.
 */
export class CreatedBlocks1795332315416 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE blocks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type text NOT NULL CHECK (type IN ('key', 'customer', 'ip', 'cidr')),
        value text NOT NULL CHECK (char_length(value) BETWEEN 1 AND 256),
        reason text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
        source text NOT NULL CHECK (source IN ('operator', 'automatic')),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL CHECK (expires_at > created_at)
      )`);
    await queryRunner.query(`CREATE INDEX blocks_expires_at ON blocks (expires_at)`);
    await queryRunner.query(`GRANT SELECT, INSERT, DELETE ON blocks TO ${POLICY_SERVICE_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`REVOKE ALL ON blocks FROM ${POLICY_SERVICE_DB_ROLE}`);
    await queryRunner.query(`DROP TABLE blocks`);
  }
}
