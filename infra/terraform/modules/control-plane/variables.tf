variable "name" {
  description = "Name of the deployment: prefix of every resource, e.g. \"rl-prod\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name))
    error_message = "name must be 2 to 21 characters from [a-z0-9-], starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC of the control plane (connected to every region's VPC)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (at least two, in different availability zones) for the database, the services and the internal load balancer."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids needs at least two subnets in different availability zones."
  }
}

variable "client_cidr_blocks" {
  description = "CIDR blocks allowed to reach the policy service and the reconciler: every region's VPC (enforcers read snapshots and create blocks) and the operators' network."
  type        = list(string)

  validation {
    condition     = length(var.client_cidr_blocks) > 0 && alltrue([for c in var.client_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "client_cidr_blocks must hold at least one valid CIDR block."
  }
}

variable "regions" {
  description = "Names of every rate-limiter region (the reconciler's RECONCILER_REGIONS: global limits are split between them)."
  type        = list(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z0-9-]{1,32}$", r))])
    error_message = "regions must list at least one region name from [a-z0-9-]{1,32}."
  }
}

variable "nats_url" {
  description = "NATS client URL in the control plane's AWS region (that region's module nats_url output)."
  type        = string

  validation {
    condition     = can(regex("^(nats|tls)://", var.nats_url))
    error_message = "nats_url must be a nats:// or tls:// URL."
  }
}

variable "nats_namespace" {
  description = "NATS_NAMESPACE shared by the policy service, the reconciler and every enforcer."
  type        = string
  default     = "rl"

  validation {
    condition     = can(regex("^[a-z0-9_-]{1,32}$", var.nats_namespace))
    error_message = "nats_namespace must be 1 to 32 characters from [a-z0-9_-]."
  }
}

variable "database" {
  description = "The control plane's managed PostgreSQL (RDS). RDS generates the master password and keeps it in Secrets Manager; it never passes through variables or Terraform state."
  type = object({
    instance_class        = optional(string, "db.t4g.medium")
    engine_version        = optional(string, "16")
    allocated_storage_gb  = optional(number, 50)
    multi_az              = optional(bool, true)
    backup_retention_days = optional(number, 14)
    deletion_protection   = optional(bool, true)
  })
  default = {}

  validation {
    condition     = var.database.allocated_storage_gb >= 20 && var.database.backup_retention_days >= 1 && var.database.backup_retention_days <= 35
    error_message = "database.allocated_storage_gb must be at least 20, and database.backup_retention_days 1 to 35."
  }
}

variable "policy_service" {
  description = "The policy service on ECS Fargate (the same image runs the migrations task)."
  type = object({
    image  = string
    cpu    = optional(number, 512)
    memory = optional(number, 1024)
    count  = optional(number, 2)
  })

  validation {
    condition     = var.policy_service.count >= 1
    error_message = "policy_service.count must be at least 1."
  }
}

variable "reconciler" {
  description = "The reconciler on ECS Fargate. Two tasks: one leads (JetStream KV lease), the other takes over within seconds."
  type = object({
    image  = string
    cpu    = optional(number, 512)
    memory = optional(number, 1024)
    count  = optional(number, 2)
  })

  validation {
    condition     = var.reconciler.count >= 1 && var.reconciler.count <= 5
    error_message = "reconciler.count must be 1 to 5 (only one leads at a time)."
  }
}

variable "admin_token_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the bootstrap admin API token (ADMIN_TOKEN). Create it outside Terraform, e.g. from `openssl rand -hex 32`."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:", var.admin_token_secret_arn))
    error_message = "admin_token_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "signing" {
  description = <<-EOT
    Keys of the signed control messages (Ed25519; README "Signing keys"). Private keys live in
    Secrets Manager secrets of the control plane's AWS region (base64 PKCS#8 DER or PEM):
    policy_private_key_secret_arn (the policy service's, POLICY_SIGNING_PRIVATE_KEY) and
    allocation_private_key_secret_arn (the reconciler's, ALLOCATION_SIGNING_PRIVATE_KEY).
    usage_public_keys: per region of `regions`, the public keys (base64 SPKI DER or PEM) its usage
    reports must be signed with (USAGE_SIGNING_PUBLIC_KEYS; two during a rotation).
    allocation_public_keys: the allocation keys the reconciler accepts when it reads its stream
    back (its own always counts): list the retired key here during a rotation.
  EOT
  type = object({
    policy_private_key_secret_arn     = string
    allocation_private_key_secret_arn = string
    usage_public_keys                 = map(list(string))
    allocation_public_keys            = optional(list(string), [])
  })
  sensitive = true

  validation {
    condition     = alltrue([for arn in [var.signing.policy_private_key_secret_arn, var.signing.allocation_private_key_secret_arn] : can(regex("^arn:aws[a-z-]*:secretsmanager:", arn))])
    error_message = "signing.policy_private_key_secret_arn and signing.allocation_private_key_secret_arn must be Secrets Manager secret ARNs."
  }

  validation {
    condition     = alltrue([for keys in values(var.signing.usage_public_keys) : length(keys) > 0 && alltrue([for k in keys : !strcontains(k, ",") && length(trimspace(k)) > 0])])
    error_message = "signing.usage_public_keys needs at least one key per region, none empty or holding a comma."
  }
}

variable "enforcer_api_key_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the enforcers' API key (ENFORCER_API_KEY), which the policy service stores at boot as a key of the enforcer role. Replicate it to every region: the regions give it to their enforcers as POLICY_SERVICE_TOKEN."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:", var.enforcer_api_key_secret_arn))
    error_message = "enforcer_api_key_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "reconciler_api_token_secret_arn" {
  description = "ARN of the Secrets Manager secret holding RECONCILER_API_TOKEN (16+ characters): the reconciler's GET /v1/global/usage requires it, and the policy service sends it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:", var.reconciler_api_token_secret_arn))
    error_message = "reconciler_api_token_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "nats_nkey_seed_secret_arns" {
  description = "ARNs of the Secrets Manager secrets holding the NKey seeds (NATS_NKEY_SEED) of the policy service's and the reconciler's NATS users; their public keys go to every region module's nats_public_keys."
  type = object({
    policy_service = string
    reconciler     = string
  })

  validation {
    condition     = alltrue([for arn in values(var.nats_nkey_seed_secret_arns) : can(regex("^arn:aws[a-z-]*:secretsmanager:", arn))])
    error_message = "nats_nkey_seed_secret_arns values must be Secrets Manager secret ARNs."
  }
}

variable "enforcer_urls" {
  description = "Each region's enforcer base URL (the region module's enforcer_url) by region name: the policy service's ENFORCER_URLS, so GET /v1/counters can ask every region for a counter and POST /v1/counters/explain can dry-run a check. Each region's client_cidr_blocks must admit the control plane's network. Empty: those routes answer 503."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for region, url in var.enforcer_urls : can(regex("^[a-z0-9-]{1,32}$", region)) && can(regex("^https?://[^/?#@,=\\s]+$", url))])
    error_message = "enforcer_urls must map region names ([a-z0-9-]{1,32}) to http(s)://host[:port] base URLs."
  }
}

variable "enforcer_internal_token_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the token of the enforcers' internal routes (16 to 1024 printable characters): the policy service sends it as ENFORCER_INTERNAL_TOKEN, the regions give it to their enforcers as INTERNAL_API_TOKEN. Required with enforcer_urls."
  type        = string
  default     = null

  validation {
    condition     = var.enforcer_internal_token_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:", var.enforcer_internal_token_secret_arn))
    error_message = "enforcer_internal_token_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "log_retention_days" {
  description = "Retention of the services' CloudWatch logs, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
