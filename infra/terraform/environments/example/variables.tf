variable "deployment_name" {
  description = "Name of this deployment, prefix of the control plane's resources, e.g. \"rl-prod\"."
  type        = string
  default     = "rl-example"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.deployment_name))
    error_message = "deployment_name must be 2 to 21 characters from [a-z0-9-], starting with a letter."
  }
}

variable "images" {
  description = "Container images built from infra/docker/*.Dockerfile and pushed to a registry every region can pull from (ECR with replication), pinned by digest or immutable tag."
  type = object({
    enforcer       = string
    policy_service = string
    reconciler     = string
  })

  validation {
    condition     = alltrue([for image in values(var.images) : !endswith(image, ":latest") && length(image) > 0])
    error_message = "images must be pinned (a digest or an immutable tag), never :latest."
  }
}

variable "networks" {
  description = <<-EOT
    The existing network of each rate-limiter region, keyed by region name: us-east (AWS
    us-east-1, also home of the control plane), eu-west (eu-west-1) and ap-southeast
    (ap-southeast-1). The VPCs must be connected (Transit Gateway or peering) with
    non-overlapping CIDRs. client_cidr_blocks are the region's API gateways.
  EOT
  type = map(object({
    vpc_id             = string
    vpc_cidr           = string
    private_subnets    = list(object({ id = string, cidr_block = string }))
    client_cidr_blocks = list(string)
  }))

  validation {
    condition     = length(setsubtract(["us-east", "eu-west", "ap-southeast"], keys(var.networks))) == 0 && length(var.networks) == 3
    error_message = "networks must describe exactly the regions us-east, eu-west and ap-southeast."
  }

  validation {
    condition     = alltrue([for n in values(var.networks) : can(cidrhost(n.vpc_cidr, 0)) && length(n.private_subnets) >= 2])
    error_message = "every network needs a valid vpc_cidr and at least two private subnets."
  }
}

variable "operator_cidr_blocks" {
  description = "Networks of the operators allowed to reach the admin API and the reconciler."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.operator_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "operator_cidr_blocks must be valid CIDR blocks."
  }
}

variable "admin_token_secret_arn" {
  description = "Secrets Manager secret (us-east-1) with the bootstrap admin API token (ADMIN_TOKEN)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:us-east-1:", var.admin_token_secret_arn))
    error_message = "admin_token_secret_arn must be a Secrets Manager secret ARN in us-east-1."
  }
}

variable "enforcer_token_secret_arns" {
  description = "Per region, the Secrets Manager secret (in that region; replicas of one secret) with the enforcers' API key: the policy service stores it at boot as ENFORCER_API_KEY (role enforcer), the enforcers send it as POLICY_SERVICE_TOKEN. Never the admin token."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["us-east", "eu-west", "ap-southeast"], keys(var.enforcer_token_secret_arns))) == 0
    error_message = "enforcer_token_secret_arns needs an entry for us-east, eu-west and ap-southeast."
  }

  validation {
    condition     = alltrue([for arn in values(var.enforcer_token_secret_arns) : can(regex("^arn:aws[a-z-]*:secretsmanager:", arn))])
    error_message = "enforcer_token_secret_arns values must be Secrets Manager secret ARNs."
  }
}

variable "enforcer_internal_token_secret_arns" {
  description = "Per region, the Secrets Manager secret (in that region; replicas of one secret) with the token of the enforcers' internal routes: the enforcers hold it as INTERNAL_API_TOKEN, the policy service (us-east-1) sends it as ENFORCER_INTERNAL_TOKEN for the caller inspector (GET /v1/counters)."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["us-east", "eu-west", "ap-southeast"], keys(var.enforcer_internal_token_secret_arns))) == 0
    error_message = "enforcer_internal_token_secret_arns needs an entry for us-east, eu-west and ap-southeast."
  }

  validation {
    condition     = alltrue([for arn in values(var.enforcer_internal_token_secret_arns) : can(regex("^arn:aws[a-z-]*:secretsmanager:", arn))])
    error_message = "enforcer_internal_token_secret_arns values must be Secrets Manager secret ARNs."
  }
}

variable "signing_key_secret_arns" {
  description = <<-EOT
    Secrets Manager secrets holding the Ed25519 private keys of the signed control messages (base64
    PKCS#8 DER, or PEM; README "Signing keys" shows how to make them): policy (the policy service's,
    in us-east-1), allocation (the reconciler's, in us-east-1), and usage: per region, that region's
    key, in that region's AWS region.
  EOT
  type = object({
    policy     = string
    allocation = string
    usage      = map(string)
  })

  validation {
    condition     = alltrue([for arn in [var.signing_key_secret_arns.policy, var.signing_key_secret_arns.allocation] : can(regex("^arn:aws[a-z-]*:secretsmanager:us-east-1:", arn))])
    error_message = "signing_key_secret_arns.policy and .allocation must be Secrets Manager secret ARNs in us-east-1."
  }

  validation {
    condition     = length(setsubtract(["us-east", "eu-west", "ap-southeast"], keys(var.signing_key_secret_arns.usage))) == 0 && alltrue([for arn in values(var.signing_key_secret_arns.usage) : can(regex("^arn:aws[a-z-]*:secretsmanager:", arn))])
    error_message = "signing_key_secret_arns.usage needs a Secrets Manager secret ARN for us-east, eu-west and ap-southeast."
  }
}

variable "signing_public_keys" {
  description = <<-EOT
    The public halves (base64 SPKI DER, or PEM), as lists so a new key can be listed next to the
    old one during a rotation: policy (what enforcers accept policy changes and snapshots from),
    allocation (what enforcers, and the reconciler reading its stream back, accept allocations
    from) and usage, per region (what the reconciler accepts that region's reports from).
  EOT
  type = object({
    policy     = list(string)
    allocation = list(string)
    usage      = map(list(string))
  })
  sensitive = true

  validation {
    condition     = length(var.signing_public_keys.policy) > 0 && length(var.signing_public_keys.allocation) > 0 && length(setsubtract(["us-east", "eu-west", "ap-southeast"], keys(var.signing_public_keys.usage))) == 0
    error_message = "signing_public_keys needs at least one policy and one allocation key, and usage keys for us-east, eu-west and ap-southeast."
  }
}

variable "reconciler_api_token_secret_arn" {
  description = "Secrets Manager secret (us-east-1) with RECONCILER_API_TOKEN, which the reconciler's GET /v1/global/usage requires and the policy service sends."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:us-east-1:", var.reconciler_api_token_secret_arn))
    error_message = "reconciler_api_token_secret_arn must be a Secrets Manager secret ARN in us-east-1."
  }
}

variable "control_plane_nats_seed_secret_arns" {
  description = "Secrets Manager secrets (us-east-1) with the NKey seeds of the policy service's and the reconciler's NATS users (`nk -gen user`)."
  type = object({
    policy_service = string
    reconciler     = string
  })
}

variable "enforcer_nats_seed_secret_arns" {
  description = "Per region, the Secrets Manager secret (in that region) with the NKey seed of that region's enforcer NATS user."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["us-east", "eu-west", "ap-southeast"], keys(var.enforcer_nats_seed_secret_arns))) == 0
    error_message = "enforcer_nats_seed_secret_arns needs an entry for us-east, eu-west and ap-southeast."
  }
}

variable "nats_public_keys" {
  description = "Public NKeys (U..., not secret) of the NATS users: policy_service, reconciler, and enforcers by region (`nk -inkey <seed file> -pubout`). Every region's NATS servers accept exactly these users, with README's permission layout."
  type = object({
    policy_service = string
    reconciler     = string
    enforcers      = map(string)
  })
}

variable "nats_host_number" {
  description = "Host number of the NATS server in each private subnet (its address is cidrhost(subnet, this)); must be free in every subnet."
  type        = number
  default     = 10

  validation {
    condition     = var.nats_host_number >= 4 && var.nats_host_number <= 250
    error_message = "nats_host_number must be between 4 (AWS reserves the first four addresses) and 250."
  }
}

variable "tags" {
  description = "Tags added to every resource of the deployment."
  type        = map(string)
  default     = { "ratelimiter:deployment" = "example" }
}
