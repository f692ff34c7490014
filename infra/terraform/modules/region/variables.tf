variable "name" {
  description = "Rate-limiter region name (the enforcer's REGION, NATS gateway name, prefix of every resource), e.g. \"us-east\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{1,32}$", var.name))
    error_message = "name must be 1 to 32 characters from [a-z0-9-] (the enforcer's REGION rule)."
  }
}

variable "global_regions" {
  description = "Names of every region of the deployment, this one included (the enforcer's GLOBAL_REGIONS: global limits are split between them)."
  type        = list(string)

  validation {
    condition     = length(var.global_regions) > 0 && alltrue([for r in var.global_regions : can(regex("^[a-z0-9-]{1,32}$", r))])
    error_message = "global_regions must list at least one region name from [a-z0-9-]{1,32}."
  }
}

variable "vpc_id" {
  description = "VPC of this region. Its CIDR must not overlap other regions' VPCs, which must be connected to it (Transit Gateway or peering)."
  type        = string
}

variable "private_subnets" {
  description = "Private subnets (at least two, in different availability zones) for Redis, the NATS servers, the enforcer tasks and the internal load balancers. One NATS server is placed in each of the first three, at host number nats.host_number."
  type = list(object({
    id         = string
    cidr_block = string
  }))

  validation {
    condition     = length(var.private_subnets) >= 2 && alltrue([for s in var.private_subnets : can(cidrhost(s.cidr_block, 0))])
    error_message = "private_subnets needs at least two subnets, each with a valid cidr_block."
  }
}

variable "client_cidr_blocks" {
  description = "CIDR blocks allowed to call the enforcers (API gateways of this region)."
  type        = list(string)

  validation {
    condition     = length(var.client_cidr_blocks) > 0 && alltrue([for c in var.client_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "client_cidr_blocks must hold at least one valid CIDR block."
  }
}

variable "internal_cidr_blocks" {
  description = "CIDR blocks of every region's VPC (this one included): NATS clients (the control plane, other regions' NATS gateways) connect from them."
  type        = list(string)

  validation {
    condition     = length(var.internal_cidr_blocks) > 0 && alltrue([for c in var.internal_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "internal_cidr_blocks must hold at least one valid CIDR block."
  }
}

variable "redis" {
  description = <<-EOT
    The regional counter store (ElastiCache for Redis). cluster_mode = false: one primary with
    replicas_per_shard replicas (REDIS_URL, TLS + AUTH). cluster_mode = true, for large regions:
    `shards` node groups of 1 + replicas_per_shard nodes each (REDIS_CLUSTER_NODES). Encrypted at rest; in transit (TLS) without
    cluster mode only, as the enforcer's cluster client has no TLS setting yet. No AUTH token (the
    enforcer has no separate Redis password setting): the store accepts connections from the
    enforcer tasks' security group only.
  EOT
  type = object({
    node_type          = string
    engine_version     = optional(string, "7.1")
    cluster_mode       = optional(bool, false)
    shards             = optional(number, 1)
    replicas_per_shard = optional(number, 1)
    maxmemory_policy   = optional(string, "volatile-lru")
  })

  validation {
    condition     = var.redis.shards >= 1 && var.redis.shards <= 500 && (var.redis.cluster_mode || var.redis.shards == 1)
    error_message = "redis.shards must be 1 without cluster_mode, and 1 to 500 with it."
  }

  validation {
    condition     = var.redis.replicas_per_shard >= 0 && var.redis.replicas_per_shard <= 5
    error_message = "redis.replicas_per_shard must be 0 to 5 (ElastiCache's limit); use at least 1 for automatic failover."
  }

  validation {
    condition     = contains(["volatile-lru", "volatile-lfu", "volatile-ttl", "noeviction"], var.redis.maxmemory_policy)
    error_message = "redis.maxmemory_policy must be volatile-lru, volatile-lfu, volatile-ttl or noeviction: every counter key has a TTL, so only volatile-* policies are sensible."
  }
}

variable "nats" {
  description = "The region's NATS cluster: one EC2 instance per private subnet (first three) with JetStream on its EBS volume, joined to the other regions' clusters by gateways."
  type = object({
    version       = optional(string, "2.10.22")
    instance_type = optional(string, "t3.medium")
    volume_gb     = optional(number, 50)
    host_number   = optional(number, 10)
  })
  default = {}

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.nats.version))
    error_message = "nats.version must be a release version such as 2.10.22."
  }

  validation {
    condition     = var.nats.volume_gb >= 8 && var.nats.host_number >= 4
    error_message = "nats.volume_gb must be at least 8, and nats.host_number at least 4 (AWS reserves the first four addresses of a subnet)."
  }
}

variable "nats_gateways" {
  description = "Every region's NATS gateway URLs, by region name (this region included; its own entry is ignored), e.g. { eu-west = [\"nats://10.1.1.10:7222\", ...] }. Compute them with the same host_number rule the module uses for its own servers."
  type        = map(list(string))

  validation {
    condition     = alltrue(flatten([for urls in values(var.nats_gateways) : [for u in urls : can(regex("^nats://[A-Za-z0-9.-]+:[0-9]{1,5}$", u))]]))
    error_message = "nats_gateways URLs must look like nats://host:port."
  }
}

variable "nats_namespace" {
  description = "The enforcer's NATS_NAMESPACE: prefix of the subjects and streams it shares with the policy service and the reconciler."
  type        = string
  default     = "rl"

  validation {
    condition     = can(regex("^[a-z0-9_-]{1,32}$", var.nats_namespace))
    error_message = "nats_namespace must be 1 to 32 characters from [a-z0-9_-]."
  }
}

variable "enforcer" {
  description = "The enforcer service on ECS Fargate: image, task size, and autoscaling bounds. Target tracking on CPU and on requests per task per minute (ALBRequestCountPerTarget counts per minute: 120000 is 2,000 requests/s per task)."
  type = object({
    image                      = string
    cpu                        = optional(number, 1024)
    memory                     = optional(number, 2048)
    min_count                  = optional(number, 2)
    max_count                  = optional(number, 20)
    target_cpu_percent         = optional(number, 60)
    target_requests_per_minute = optional(number, 120000)
    redis_command_timeout_ms   = optional(number, 50)
    log_retention_days         = optional(number, 30)
    extra_environment          = optional(map(string), {})
  })

  validation {
    condition     = var.enforcer.min_count >= 1 && var.enforcer.max_count >= var.enforcer.min_count
    error_message = "enforcer.min_count must be at least 1 and enforcer.max_count at least min_count."
  }

  validation {
    condition     = var.enforcer.target_cpu_percent >= 10 && var.enforcer.target_cpu_percent <= 90
    error_message = "enforcer.target_cpu_percent must be between 10 and 90."
  }

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.enforcer.log_retention_days)
    error_message = "enforcer.log_retention_days must be a retention CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }

  validation {
    condition     = var.enforcer.target_requests_per_minute >= 600
    error_message = "enforcer.target_requests_per_minute counts requests per task per minute; it must be at least 600."
  }

  validation {
    condition     = length(setintersection(keys(var.enforcer.extra_environment), ["REGION", "REDIS_URL", "REDIS_CLUSTER_NODES", "NATS_URL", "NATS_NAMESPACE", "NATS_INBOX_PREFIX", "NATS_NKEY_SEED", "NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NATS_CREDS", "POLICY_SERVICE_URL", "POLICY_SERVICE_TOKEN", "GLOBAL_REGIONS", "HOST", "PORT", "ENFORCER_INSTANCES", "POLICY_SIGNING_PUBLIC_KEYS", "ALLOCATION_SIGNING_PUBLIC_KEYS", "USAGE_SIGNING_PRIVATE_KEY"])) == 0
    error_message = "enforcer.extra_environment must not set what the module wires itself (REGION, REDIS_*, NATS_*, POLICY_SERVICE_*, GLOBAL_REGIONS, HOST, PORT, ENFORCER_INSTANCES, the *_SIGNING_* keys)."
  }

  validation {
    condition     = alltrue([for k in keys(var.enforcer.extra_environment) : !can(regex("(?i)(password|secret|token|private_key)", k))])
    error_message = "enforcer.extra_environment must not carry secrets; put them in Secrets Manager."
  }
}

variable "policy_service_url" {
  description = "Base URL of the policy service (the control-plane module's policy_service_url output), reachable from this region."
  type        = string

  validation {
    condition     = can(regex("^https?://", var.policy_service_url))
    error_message = "policy_service_url must be an http:// or https:// URL."
  }
}

variable "policy_service_token_secret_arn" {
  description = "ARN of the Secrets Manager secret (in this region) holding the enforcers' policy-service API key (POLICY_SERVICE_TOKEN): the control plane's ENFORCER_API_KEY, of the enforcer role (reads the snapshot, creates automatic blocks, nothing else); never the admin token."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:", var.policy_service_token_secret_arn))
    error_message = "policy_service_token_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "internal_api_token_secret_arn" {
  description = "ARN of the Secrets Manager secret (in this region) holding the token of the enforcers' internal routes (INTERNAL_API_TOKEN, 16 to 1024 printable characters): the control plane's enforcer_internal_token_secret_arn, replicated. Null: the internal counter route is off and the caller inspector shows this region as unreachable."
  type        = string
  default     = null

  validation {
    condition     = var.internal_api_token_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:", var.internal_api_token_secret_arn))
    error_message = "internal_api_token_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "signing" {
  description = <<-EOT
    Keys of the signed control messages (Ed25519; README "Signing keys"). Public keys in base64
    SPKI DER or PEM, each a list so a new key can be listed next to the old one during a rotation:
    policy_public_keys (the policy service's, POLICY_SIGNING_PUBLIC_KEYS) and allocation_public_keys
    (the reconciler's, ALLOCATION_SIGNING_PUBLIC_KEYS). usage_private_key_secret_arn: the Secrets
    Manager secret, in this region, holding this region's private key (USAGE_SIGNING_PRIVATE_KEY).
  EOT
  type = object({
    policy_public_keys           = list(string)
    allocation_public_keys       = list(string)
    usage_private_key_secret_arn = string
  })
  sensitive = true

  validation {
    condition     = length(var.signing.policy_public_keys) > 0 && length(var.signing.allocation_public_keys) > 0 && alltrue([for k in concat(var.signing.policy_public_keys, var.signing.allocation_public_keys) : !strcontains(k, ",") && length(trimspace(k)) > 0])
    error_message = "signing needs at least one policy and one allocation public key, none empty or holding a comma."
  }

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:", var.signing.usage_private_key_secret_arn))
    error_message = "signing.usage_private_key_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "nats_public_keys" {
  description = "Public NKeys (U..., not secret) of the NATS users every NATS server of this region accepts: the policy service, the reconciler and each region's enforcers (one user per region, by region name). Each service holds its seed in Secrets Manager (NATS_NKEY_SEED); the permissions are README's NATS permission layout."
  type = object({
    policy_service = string
    reconciler     = string
    enforcers      = map(string)
  })

  validation {
    condition     = alltrue([for key in concat([var.nats_public_keys.policy_service, var.nats_public_keys.reconciler], values(var.nats_public_keys.enforcers)) : can(regex("^U[A-Z2-7]{55}$", key))])
    error_message = "nats_public_keys must hold user public NKeys (U and 55 base32 characters, from `nk -gen user -pubout`)."
  }
}

variable "nats_nkey_seed_secret_arn" {
  description = "ARN of the Secrets Manager secret (in this region) holding the NKey seed of this region's enforcer NATS user (NATS_NKEY_SEED); its public key is nats_public_keys.enforcers[name]."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:", var.nats_nkey_seed_secret_arn))
    error_message = "nats_nkey_seed_secret_arn must be a Secrets Manager secret ARN."
  }
}
