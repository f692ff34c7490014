import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rules imported from envoyproxy/ratelimit files (POST /v1/imports/envoy-ratelimit) are policies:
 * `envoy` holds their envoy settings (set exactly when `match` names `envoy`), `envoy_domain` their
 * domain (derived from `match`, indexed: an import reads and replaces one domain's rules). Such a
 * policy may count 0 requests (a zero requests_per_unit), in windows up to a year (envoy's units
 * go to YEAR = 365 days), or not at all (unlimited, or no rate_limit: limit, window and burst 0).
 * Other policies keep their bounds.
 */
export class AddedEnvoyRules1796600000413 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE policies ADD COLUMN envoy jsonb NULL CHECK (envoy IS NULL OR jsonb_typeof(envoy) = 'object')`);
    await queryRunner.query(`ALTER TABLE policies ADD COLUMN envoy_domain text GENERATED ALWAYS AS (match->'envoy'->>'domain') STORED`);
    await queryRunner.query(`ALTER TABLE policies ADD CONSTRAINT policies_envoy_with_match CHECK ((envoy IS NULL) = (envoy_domain IS NULL))`);
    await queryRunner.query(`CREATE INDEX policies_envoy_domain ON policies (envoy_domain) WHERE envoy_domain IS NOT NULL`);
    for (const column of ['limit', 'window_seconds', 'burst']) await queryRunner.query(`ALTER TABLE policies DROP CONSTRAINT policies_${column}_check`);
    await queryRunner.query(`
      ALTER TABLE policies
        ADD CONSTRAINT policies_limit_check CHECK ("limit" BETWEEN 1 AND 1000000000 OR (envoy IS NOT NULL AND "limit" = 0)),
        ADD CONSTRAINT policies_window_seconds_check CHECK (
          (window_seconds > 0 AND window_seconds <= 2592000)
          OR (envoy IS NOT NULL AND window_seconds IN (0, 1, 60, 3600, 86400, 604800, 2592000, 31536000))),
        ADD CONSTRAINT policies_burst_check CHECK (burst BETWEEN 1 AND 1000000000 OR (envoy IS NOT NULL AND burst = 0))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM policies WHERE envoy IS NOT NULL`);
    for (const column of ['limit', 'window_seconds', 'burst']) await queryRunner.query(`ALTER TABLE policies DROP CONSTRAINT policies_${column}_check`);
    await queryRunner.query(`
      ALTER TABLE policies
        ADD CONSTRAINT policies_limit_check CHECK ("limit" BETWEEN 1 AND 1000000000),
        ADD CONSTRAINT policies_window_seconds_check CHECK (window_seconds > 0 AND window_seconds <= 2592000),
        ADD CONSTRAINT policies_burst_check CHECK (burst BETWEEN 1 AND 1000000000)`);
    await queryRunner.query(`ALTER TABLE policies DROP CONSTRAINT policies_envoy_with_match`);
    await queryRunner.query(`DROP INDEX policies_envoy_domain`);
    await queryRunner.query(`ALTER TABLE policies DROP COLUMN envoy_domain`);
    await queryRunner.query(`ALTER TABLE policies DROP COLUMN envoy`);
  }
}
