import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Automatic blocks: a policy's own escalation settings (`policies.escalation`, NULL for the
 * enforcers' defaults; an override keeps them in its `policy` document), and the denials that
 * caused an automatic block (`blocks.denials`, NULL for operator blocks).
 */
export class AddedEscalationSettings1796100000002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE policies ADD COLUMN escalation jsonb NULL CHECK (escalation IS NULL OR jsonb_typeof(escalation) = 'object')`);
    await queryRunner.query(`ALTER TABLE blocks ADD COLUMN denials jsonb NULL CHECK (denials IS NULL OR jsonb_typeof(denials) = 'array')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE blocks DROP COLUMN denials`);
    await queryRunner.query(`ALTER TABLE policies DROP COLUMN escalation`);
  }
}
