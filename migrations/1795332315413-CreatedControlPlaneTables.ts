import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The policy control plane: policies (the current head of each) with their immutable version
 * history, customer tiers, per-customer overrides, the gap-free control revision, the outbox that
 * carries every change to NATS, the audit log and the admin API keys (SHA-256 of the token only).
 */
export class CreatedControlPlaneTables1795332315413 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE control_revision (
        singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT control_revision_single_row CHECK (singleton),
        value bigint NOT NULL CHECK (value >= 0)
      )`);
    await queryRunner.query(`INSERT INTO control_revision (singleton, value) VALUES (true, 0)`);

    await queryRunner.query(`
      CREATE TABLE policies (
        id text PRIMARY KEY CONSTRAINT policies_id_slug CHECK (id ~ '^[a-z0-9-]{1,64}$'),
        version integer NOT NULL CHECK (version >= 1),
        match jsonb NOT NULL CHECK (jsonb_typeof(match) = 'object'),
        match_key text NOT NULL CONSTRAINT policies_match_key_unique UNIQUE,
        algorithm text NOT NULL CHECK (algorithm IN ('token_bucket', 'sliding_window', 'fixed_window', 'leaky_bucket', 'gcra', 'sliding_log')),
        "limit" integer NOT NULL CHECK ("limit" BETWEEN 1 AND 1000000000),
        window_seconds double precision NOT NULL CHECK (window_seconds > 0 AND window_seconds <= 2592000),
        burst integer NOT NULL CHECK (burst BETWEEN 1 AND 1000000000),
        scope text NOT NULL CHECK (scope IN ('regional', 'global')),
        failure_mode text NOT NULL CHECK (failure_mode IN ('open', 'closed')),
        mode text NOT NULL CHECK (mode IN ('enforce', 'shadow')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    // No foreign key to policies: the history of a deleted policy stays readable.
    await queryRunner.query(`
      CREATE TABLE policy_versions (
        policy_id text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        policy jsonb NOT NULL CHECK (jsonb_typeof(policy) = 'object'),
        change text NOT NULL CHECK (change IN ('created', 'updated', 'rolled_back')),
        rolled_back_from integer NULL CHECK (rolled_back_from >= 1),
        actor_key_id uuid NULL,
        actor_name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (policy_id, version)
      )`);

    await queryRunner.query(`
      CREATE TABLE customers (
        id text PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 128),
        tier text NOT NULL CHECK (tier ~ '^[A-Za-z0-9_.-]{1,64}$'),
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`
      CREATE TABLE overrides (
        customer_id text PRIMARY KEY CHECK (char_length(customer_id) BETWEEN 1 AND 128),
        policy_id text NOT NULL CONSTRAINT overrides_policy_id_unique UNIQUE CHECK (policy_id ~ '^[a-z0-9-]{1,64}$'),
        "limit" integer NOT NULL CHECK ("limit" BETWEEN 1 AND 1000000000),
        window_seconds double precision NOT NULL CHECK (window_seconds > 0 AND window_seconds <= 2592000),
        policy jsonb NOT NULL CHECK (jsonb_typeof(policy) = 'object'),
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`
      CREATE TABLE outbox (
        revision bigint PRIMARY KEY CHECK (revision >= 1),
        message jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        sent_at timestamptz NULL
      )`);
    await queryRunner.query(`CREATE INDEX outbox_unsent ON outbox (revision) WHERE sent_at IS NULL`);

    await queryRunner.query(`
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor_key_id uuid NULL,
        actor_name text NOT NULL,
        action text NOT NULL,
        entity_type text NOT NULL,
        entity_id text NOT NULL,
        revision bigint NULL,
        before jsonb NULL,
        after jsonb NULL
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id)`);

    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
        token_hash text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        role text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
        origin text NOT NULL DEFAULT 'api' CHECK (origin IN ('api', 'env')),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz NULL
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX api_keys_active_token ON api_keys (token_hash) WHERE revoked_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['api_keys', 'audit_log', 'outbox', 'overrides', 'customers', 'policy_versions', 'policies', 'control_revision']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
