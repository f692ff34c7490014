import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `GET /v1/audit` filters by actor and time range as well as by entity: an index for each. */
export class IndexedAuditLogFilters1796100000004 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX audit_log_actor ON audit_log (actor_name, id)`);
    await queryRunner.query(`CREATE INDEX audit_log_at ON audit_log (at, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX audit_log_at`);
    await queryRunner.query(`DROP INDEX audit_log_actor`);
  }
}
