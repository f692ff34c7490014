# One region of the rate limiter: its counter store (ElastiCache for Redis), its NATS cluster
# (joined to the other regions by gateways) and its enforcer service (ECS Fargate behind an
# internal load balancer, autoscaled). See ../../README.md for the layout.

data "aws_vpc" "this" {
  id = var.vpc_id
}

locals {
  prefix        = "rl-${var.name}"
  subnet_ids    = [for s in var.private_subnets : s.id]
  enforcer_port = 8081
  tags          = merge(var.tags, { "ratelimiter:region" = var.name })

  redis_port = 6379
  # Cluster mode: the configuration endpoint is the seed the enforcer's cluster client discovers
  # every shard from (REDIS_CLUSTER_NODES; REDIS_URL names the same endpoint and is then unused).
  # Otherwise the primary endpoint, over TLS. No AUTH token: the store is reachable only from the
  # enforcer tasks' security group (see var.redis).
  redis_endpoint      = var.redis.cluster_mode ? aws_elasticache_replication_group.counters.configuration_endpoint_address : aws_elasticache_replication_group.counters.primary_endpoint_address
  redis_cluster_nodes = var.redis.cluster_mode ? "${local.redis_endpoint}:${local.redis_port}" : null
  redis_url           = "${var.redis.cluster_mode ? "redis" : "rediss"}://${local.redis_endpoint}:${local.redis_port}"

  nats_url = "nats://${aws_lb.nats.dns_name}:4222"

  # The enforcer's environment. REGION, REDIS_URL and NATS_URL are what make it this region's
  # enforcer (infra/terraform.spec.ts checks them). Secrets reach the task from Secrets Manager
  # through enforcer_secrets, never as plain text in the task definition.
  enforcer_environment = {
    REGION                   = var.name
    REDIS_URL                = local.redis_url
    NATS_URL                 = local.nats_url
    NATS_NAMESPACE           = var.nats_namespace
    NATS_INBOX_PREFIX        = "_INBOX.enforcer-${var.name}"
    POLICY_SERVICE_URL       = var.policy_service_url
    GLOBAL_REGIONS           = join(",", var.global_regions)
    HOST                     = "0.0.0.0"
    PORT                     = tostring(local.enforcer_port)
    ENFORCER_INSTANCES       = tostring(var.enforcer.max_count)
    REDIS_COMMAND_TIMEOUT_MS = tostring(var.enforcer.redis_command_timeout_ms)
    SHUTDOWN_DRAIN_MS        = "5000"
    # Signed control messages: the public keys policy changes, snapshots and allocations must verify against.
    POLICY_SIGNING_PUBLIC_KEYS     = join(",", var.signing.policy_public_keys)
    ALLOCATION_SIGNING_PUBLIC_KEYS = join(",", var.signing.allocation_public_keys)
  }

  # POLICY_SERVICE_TOKEN is a key of the enforcer role (the control plane's ENFORCER_API_KEY), never
  # the admin token; NATS_NKEY_SEED is the seed of this region's NATS user (nats_public_keys).
  enforcer_secrets = {
    POLICY_SERVICE_TOKEN = var.policy_service_token_secret_arn
    NATS_NKEY_SEED       = var.nats_nkey_seed_secret_arn
    # This region's private key: signs its usage reports.
    USAGE_SIGNING_PRIVATE_KEY = var.signing.usage_private_key_secret_arn
    # The policy service's caller inspector reads counters through the internal route with it;
    # null: left out (the route is off).
    INTERNAL_API_TOKEN = var.internal_api_token_secret_arn
  }

  enforcer_container_environment = merge(
    var.enforcer.extra_environment,
    local.enforcer_environment,
    local.redis_cluster_nodes == null ? {} : { REDIS_CLUSTER_NODES = local.redis_cluster_nodes },
  )
}

# ---- Counter store -------------------------------------------------------------------------

resource "aws_security_group" "redis" {
  name_prefix = "${local.prefix}-redis-"
  description = "Counter store of ${var.name}: reachable from the enforcer tasks only"
  vpc_id      = var.vpc_id
  tags        = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_enforcer" {
  security_group_id            = aws_security_group.redis.id
  referenced_security_group_id = aws_security_group.enforcer.id
  ip_protocol                  = "tcp"
  from_port                    = local.redis_port
  to_port                      = local.redis_port
  description                  = "enforcer tasks"
}

resource "aws_elasticache_subnet_group" "counters" {
  name       = "${local.prefix}-counters"
  subnet_ids = local.subnet_ids
  tags       = local.tags
}

resource "aws_elasticache_parameter_group" "counters" {
  name   = "${local.prefix}-counters"
  family = "redis${split(".", var.redis.engine_version)[0]}"
  tags   = local.tags

  parameter {
    name  = "cluster-enabled"
    value = var.redis.cluster_mode ? "yes" : "no"
  }

  parameter {
    name  = "maxmemory-policy"
    value = var.redis.maxmemory_policy
  }
}

resource "aws_elasticache_replication_group" "counters" {
  replication_group_id = "${local.prefix}-counters"
  description          = "Rate-limit counters of region ${var.name}"
  engine               = "redis"
  engine_version       = var.redis.engine_version
  node_type            = var.redis.node_type
  port                 = local.redis_port
  parameter_group_name = aws_elasticache_parameter_group.counters.name
  subnet_group_name    = aws_elasticache_subnet_group.counters.name
  security_group_ids   = [aws_security_group.redis.id]

  num_node_groups         = var.redis.cluster_mode ? var.redis.shards : null
  replicas_per_node_group = var.redis.cluster_mode ? var.redis.replicas_per_shard : null
  num_cache_clusters      = var.redis.cluster_mode ? null : 1 + var.redis.replicas_per_shard

  automatic_failover_enabled = var.redis.cluster_mode || var.redis.replicas_per_shard > 0
  multi_az_enabled           = var.redis.replicas_per_shard > 0
  at_rest_encryption_enabled = true
  transit_encryption_enabled = !var.redis.cluster_mode
  # Counters are rebuilt by traffic; snapshots would only cost I/O on the hot path.
  snapshot_retention_limit = 0
  apply_immediately        = false
  tags                     = local.tags
}
