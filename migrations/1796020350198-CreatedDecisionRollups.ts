import type { MigrationInterface, QueryRunner } from 'typeorm';
import { POLICY_SERVICE_DB_ROLE } from './policy-service-role';

/**
 * Throttle analytics: per-minute rollups of the enforcers' decision events, by region, policy,
 * customer ("" for none) and key hash (raw keys are never stored), and the ids of the event
 * batches already counted, so a redelivered batch is not counted twice.
 *
 * `allowed` and `degraded` are estimates (sampled events scaled by 1 / sample rate), so they are
 * fractional; denials and blocks are exact counts of the events received.
 */
export class CreatedDecisionRollups1796020350198 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE decision_rollups (
        minute timestamptz NOT NULL CHECK (date_trunc('minute', minute) = minute),
        region text NOT NULL CHECK (region ~ '^[a-z0-9-]{1,32}$'),
        policy_id text NOT NULL CHECK (policy_id ~ '^[a-z0-9-]{1,64}$'),
        customer_id text NOT NULL CHECK (char_length(customer_id) <= 128),
        key_hash text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{16}$'),
        allowed double precision NOT NULL DEFAULT 0 CHECK (allowed >= 0),
        denied bigint NOT NULL DEFAULT 0 CHECK (denied >= 0),
        shadow_denied bigint NOT NULL DEFAULT 0 CHECK (shadow_denied >= 0),
        degraded double precision NOT NULL DEFAULT 0 CHECK (degraded >= 0),
        blocked bigint NOT NULL DEFAULT 0 CHECK (blocked >= 0),
        PRIMARY KEY (minute, region, policy_id, customer_id, key_hash)
      )`);
    await queryRunner.query(`CREATE INDEX decision_rollups_policy_minute ON decision_rollups (policy_id, minute)`);
    await queryRunner.query(`
      CREATE TABLE decision_event_batches (
        id text PRIMARY KEY CHECK (char_length(id) <= 256),
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX decision_event_batches_received_at ON decision_event_batches (received_at)`);
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON decision_rollups TO ${POLICY_SERVICE_DB_ROLE}`);
    await queryRunner.query(`GRANT SELECT, INSERT, DELETE ON decision_event_batches TO ${POLICY_SERVICE_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`REVOKE ALL ON decision_event_batches FROM ${POLICY_SERVICE_DB_ROLE}`);
    await queryRunner.query(`REVOKE ALL ON decision_rollups FROM ${POLICY_SERVICE_DB_ROLE}`);
    await queryRunner.query(`DROP TABLE decision_event_batches`);
    await queryRunner.query(`DROP TABLE decision_rollups`);
  }
}
