import type { MigrationInterface, QueryRunner } from 'typeorm';
import { POLICY_SERVICE_DB_ROLE } from './policy-service-role';

/**
 * Tiers as entities: `tiers` (id, description), and every customer's tier must be one of them
 * (a foreign key). The data migration makes a row of every tier that customers or tier policies
 * already name, and records each in the audit log as created by `migration`, so an upgrade keeps
 * every assignment and policy working.
 */
export class CreatedTiers1796100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tiers (
        id text PRIMARY KEY CONSTRAINT tiers_id_name CHECK (id ~ '^[A-Za-z0-9_.-]{1,64}$'),
        description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      INSERT INTO tiers (id, description)
      SELECT tier, 'Created by the upgrade that made tiers entities: customers or policies named it.'
      FROM (SELECT tier FROM customers UNION SELECT match->>'customerTier' FROM policies WHERE match ? 'customerTier') AS used (tier)
      ORDER BY tier`);
    await queryRunner.query(`
      INSERT INTO audit_log (actor_name, action, entity_type, entity_id, before, after)
      SELECT 'migration', 'tier.created', 'tier', id, NULL,
             jsonb_build_object('id', id, 'description', description, 'version', version, 'updatedAt', updated_at)
      FROM tiers ORDER BY id`);
    await queryRunner.query(`ALTER TABLE customers ADD CONSTRAINT customers_tier_fkey FOREIGN KEY (tier) REFERENCES tiers (id)`);
    await queryRunner.query(`CREATE INDEX customers_tier ON customers (tier)`);
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON tiers TO ${POLICY_SERVICE_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`REVOKE ALL ON tiers FROM ${POLICY_SERVICE_DB_ROLE}`);
    await queryRunner.query(`DROP INDEX customers_tier`);
    await queryRunner.query(`ALTER TABLE customers DROP CONSTRAINT customers_tier_fkey`);
    await queryRunner.query(`DROP TABLE tiers`);
  }
}
