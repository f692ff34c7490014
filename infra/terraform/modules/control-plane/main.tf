# The control plane: managed PostgreSQL (RDS), the policy service behind an internal load
# balancer, the migrations task, and the reconciler. NATS is not here: the control plane uses the
# NATS cluster of the region it runs in (var.nats_url), which gateways join to every other region.

data "aws_region" "current" {}

locals {
  tags                = merge(var.tags, { "ratelimiter:part" = "control-plane" })
  policy_service_port = 8080
  reconciler_port     = 8090
  database_name       = "ratelimit"
  database_user       = "ratelimit"

  # No password in DATABASE_URL: node-postgres takes it from PGPASSWORD, which the tasks get from
  # the secret RDS manages (manage_master_user_password), so it is never in Terraform state. TLS
  # is DATABASE_SSL_MODE's (rds.force_ssl refuses plaintext); `require` encrypts without checking
  # the certificate: add the RDS CA bundle to the image and set verify-full with DATABASE_SSL_CA_FILE
  # to check it (README).
  database_url             = "postgres://${local.database_user}@${aws_db_instance.this.address}:${aws_db_instance.this.port}/${local.database_name}"
  database_ssl_mode        = "require"
  database_password_secret = "${aws_db_instance.this.master_user_secret[0].secret_arn}:password::"

  policy_service_environment = {
    DATABASE_URL      = local.database_url
    DATABASE_SSL_MODE = local.database_ssl_mode
    HOST              = "0.0.0.0"
    PORT              = tostring(local.policy_service_port)
    NATS_URL          = var.nats_url
    NATS_NAMESPACE    = var.nats_namespace
    NATS_INBOX_PREFIX = "_INBOX.policy-service"
    RECONCILER_URL    = "http://${aws_lb.control_plane.dns_name}:${local.reconciler_port}"
    SHUTDOWN_DRAIN_MS = "5000"
    # The caller inspector asks each region's enforcer (GET /v1/counters); "" (no regions) is unset.
    ENFORCER_URLS = join(",", [for region, url in var.enforcer_urls : "${region}=${url}"])
  }

  # Each service reads only its own secrets: the enforcers' key (ENFORCER_API_KEY, role enforcer)
  # is provisioned by the policy service at boot; the regions give the same value to their
  # enforcers as POLICY_SERVICE_TOKEN.
  policy_service_secrets = {
    PGPASSWORD           = local.database_password_secret
    ADMIN_TOKEN          = var.admin_token_secret_arn
    ENFORCER_API_KEY     = var.enforcer_api_key_secret_arn
    RECONCILER_API_TOKEN = var.reconciler_api_token_secret_arn
    NATS_NKEY_SEED       = var.nats_nkey_seed_secret_arns.policy_service
    # Signs every policy change and snapshot.
    POLICY_SIGNING_PRIVATE_KEY = var.signing.policy_private_key_secret_arn
    # Sent to the enforcers' internal routes (their INTERNAL_API_TOKEN); null: left out.
    ENFORCER_INTERNAL_TOKEN = var.enforcer_internal_token_secret_arn
  }

  reconciler_environment = merge(
    {
      HOST               = "0.0.0.0"
      PORT               = tostring(local.reconciler_port)
      NATS_URL           = var.nats_url
      NATS_NAMESPACE     = var.nats_namespace
      NATS_INBOX_PREFIX  = "_INBOX.reconciler"
      RECONCILER_REGIONS = join(",", var.regions)
      # Each region's public keys: a usage report counts only if its region's key signed it.
      USAGE_SIGNING_PUBLIC_KEYS = join(",", flatten([for region, keys in var.signing.usage_public_keys : [for key in keys : "${region}=${key}"]]))
    },
    # Every listed allocation key counts when the stream is read back (a retired one, during a rotation).
    length(var.signing.allocation_public_keys) == 0 ? {} : { ALLOCATION_SIGNING_PUBLIC_KEYS = join(",", var.signing.allocation_public_keys) },
  )

  reconciler_secrets = {
    RECONCILER_API_TOKEN = var.reconciler_api_token_secret_arn
    NATS_NKEY_SEED       = var.nats_nkey_seed_secret_arns.reconciler
    # Signs every allocation update.
    ALLOCATION_SIGNING_PRIVATE_KEY = var.signing.allocation_private_key_secret_arn
  }
}

# ---- Database -------------------------------------------------------------------------------

resource "aws_security_group" "database" {
  name_prefix = "${var.name}-db-"
  description = "Control-plane PostgreSQL: the policy service and the migrations task only"
  vpc_id      = var.vpc_id
  tags        = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "database_from_services" {
  security_group_id            = aws_security_group.database.id
  referenced_security_group_id = aws_security_group.services.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "policy service and migrations"
}

resource "aws_db_subnet_group" "this" {
  name_prefix = "${var.name}-"
  subnet_ids  = var.private_subnet_ids
  tags        = local.tags
}

# The migrations create the NOLOGIN role the policy service switches to (DATABASE_ROLE), as the
# master user. On PostgreSQL 16 the creator of a role gets only ADMIN on it unless
# createrole_self_grant says otherwise; "set, inherit" lets the master user SET ROLE to it.
resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-"
  family      = "postgres${split(".", var.database.engine_version)[0]}"
  tags        = local.tags

  parameter {
    name  = "createrole_self_grant"
    value = "set, inherit"
  }

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  identifier_prefix               = "${var.name}-"
  engine                          = "postgres"
  engine_version                  = var.database.engine_version
  instance_class                  = var.database.instance_class
  allocated_storage               = var.database.allocated_storage_gb
  max_allocated_storage           = var.database.allocated_storage_gb * 4
  storage_type                    = "gp3"
  storage_encrypted               = true
  db_name                         = local.database_name
  username                        = local.database_user
  manage_master_user_password     = true
  db_subnet_group_name            = aws_db_subnet_group.this.name
  parameter_group_name            = aws_db_parameter_group.this.name
  vpc_security_group_ids          = [aws_security_group.database.id]
  multi_az                        = var.database.multi_az
  backup_retention_period         = var.database.backup_retention_days
  deletion_protection             = var.database.deletion_protection
  skip_final_snapshot             = false
  final_snapshot_identifier       = "${var.name}-final"
  copy_tags_to_snapshot           = true
  performance_insights_enabled    = true
  auto_minor_version_upgrade      = true
  enabled_cloudwatch_logs_exports = ["postgresql"]
  tags                            = local.tags
}
