# An example deployment: the control plane in us-east-1 and three rate-limiter regions. us-east
# carries the most traffic and runs its counters on Redis in cluster mode; the others use a
# primary with a replica. NATS runs in every region and is joined into one super-cluster by
# gateways, so policy changes and global-limit traffic reach every region.

locals {
  region_names = sort(keys(var.networks))

  # Every region's gateway URLs, by the same rule the region module places its NATS servers.
  nats_gateways = { for name, net in var.networks : name => [
    for s in slice(net.private_subnets, 0, min(3, length(net.private_subnets))) : "nats://${cidrhost(s.cidr_block, var.nats_host_number)}:7222"
  ] }

  internal_cidr_blocks = [for net in values(var.networks) : net.vpc_cidr]

  # Every region's enforcers admit the control plane's network (us-east) too: the policy service
  # reads counters through their internal route (token-protected) for the caller inspector.
  enforcer_client_cidr_blocks = { for name, net in var.networks : name => distinct(concat(net.client_cidr_blocks, [var.networks["us-east"].vpc_cidr])) }

  # What each region's enforcers need of the signing keys: every public key the policy service and
  # the reconciler may sign with, and the Secrets Manager secret of the region's own private key.
  region_signing = { for name in local.region_names : name => {
    policy_public_keys           = var.signing_public_keys.policy
    allocation_public_keys       = var.signing_public_keys.allocation
    usage_private_key_secret_arn = var.signing_key_secret_arns.usage[name]
  } }
  nats = { host_number = var.nats_host_number }
}

module "control_plane" {
  source    = "../../modules/control-plane"
  providers = { aws = aws.us_east_1 }

  name                   = var.deployment_name
  vpc_id                 = var.networks["us-east"].vpc_id
  private_subnet_ids     = [for s in var.networks["us-east"].private_subnets : s.id]
  client_cidr_blocks     = concat(local.internal_cidr_blocks, var.operator_cidr_blocks)
  regions                = local.region_names
  nats_url               = module.region_us_east.nats_url
  admin_token_secret_arn = var.admin_token_secret_arn
  policy_service         = { image = var.images.policy_service }
  reconciler             = { image = var.images.reconciler }

  signing = {
    policy_private_key_secret_arn     = var.signing_key_secret_arns.policy
    allocation_private_key_secret_arn = var.signing_key_secret_arns.allocation
    usage_public_keys                 = var.signing_public_keys.usage
    allocation_public_keys            = var.signing_public_keys.allocation
  }
  enforcer_api_key_secret_arn     = var.enforcer_token_secret_arns["us-east"]
  reconciler_api_token_secret_arn = var.reconciler_api_token_secret_arn
  nats_nkey_seed_secret_arns      = var.control_plane_nats_seed_secret_arns

  # The caller inspector (GET /v1/counters) asks every region's enforcer through its internal route.
  enforcer_urls = {
    "us-east"      = module.region_us_east.enforcer_url
    "eu-west"      = module.region_eu_west.enforcer_url
    "ap-southeast" = module.region_ap_southeast.enforcer_url
  }
  enforcer_internal_token_secret_arn = var.enforcer_internal_token_secret_arns["us-east"]
}

module "region_us_east" {
  source    = "../../modules/region"
  providers = { aws = aws.us_east_1 }

  name                            = "us-east"
  global_regions                  = local.region_names
  vpc_id                          = var.networks["us-east"].vpc_id
  private_subnets                 = var.networks["us-east"].private_subnets
  client_cidr_blocks              = local.enforcer_client_cidr_blocks["us-east"]
  internal_cidr_blocks            = local.internal_cidr_blocks
  nats                            = local.nats
  nats_gateways                   = local.nats_gateways
  policy_service_url              = module.control_plane.policy_service_url
  policy_service_token_secret_arn = var.enforcer_token_secret_arns["us-east"]
  internal_api_token_secret_arn   = var.enforcer_internal_token_secret_arns["us-east"]
  signing                         = local.region_signing["us-east"]
  nats_public_keys                = var.nats_public_keys
  nats_nkey_seed_secret_arn       = var.enforcer_nats_seed_secret_arns["us-east"]

  redis = {
    node_type          = "cache.r7g.large"
    cluster_mode       = true
    shards             = 3
    replicas_per_shard = 1
  }

  enforcer = {
    image     = var.images.enforcer
    min_count = 3
    max_count = 30
  }
}

module "region_eu_west" {
  source    = "../../modules/region"
  providers = { aws = aws.eu_west_1 }

  name                            = "eu-west"
  global_regions                  = local.region_names
  vpc_id                          = var.networks["eu-west"].vpc_id
  private_subnets                 = var.networks["eu-west"].private_subnets
  client_cidr_blocks              = local.enforcer_client_cidr_blocks["eu-west"]
  internal_cidr_blocks            = local.internal_cidr_blocks
  nats                            = local.nats
  nats_gateways                   = local.nats_gateways
  policy_service_url              = module.control_plane.policy_service_url
  policy_service_token_secret_arn = var.enforcer_token_secret_arns["eu-west"]
  internal_api_token_secret_arn   = var.enforcer_internal_token_secret_arns["eu-west"]
  signing                         = local.region_signing["eu-west"]
  nats_public_keys                = var.nats_public_keys
  nats_nkey_seed_secret_arn       = var.enforcer_nats_seed_secret_arns["eu-west"]

  redis = {
    node_type          = "cache.r7g.large"
    replicas_per_shard = 1
  }

  enforcer = {
    image     = var.images.enforcer
    min_count = 2
    max_count = 12
  }
}

module "region_ap_southeast" {
  source    = "../../modules/region"
  providers = { aws = aws.ap_southeast_1 }

  name                            = "ap-southeast"
  global_regions                  = local.region_names
  vpc_id                          = var.networks["ap-southeast"].vpc_id
  private_subnets                 = var.networks["ap-southeast"].private_subnets
  client_cidr_blocks              = local.enforcer_client_cidr_blocks["ap-southeast"]
  internal_cidr_blocks            = local.internal_cidr_blocks
  nats                            = local.nats
  nats_gateways                   = local.nats_gateways
  policy_service_url              = module.control_plane.policy_service_url
  policy_service_token_secret_arn = var.enforcer_token_secret_arns["ap-southeast"]
  internal_api_token_secret_arn   = var.enforcer_internal_token_secret_arns["ap-southeast"]
  signing                         = local.region_signing["ap-southeast"]
  nats_public_keys                = var.nats_public_keys
  nats_nkey_seed_secret_arn       = var.enforcer_nats_seed_secret_arns["ap-southeast"]

  redis = {
    node_type          = "cache.r7g.large"
    replicas_per_shard = 1
  }

  enforcer = {
    image     = var.images.enforcer
    min_count = 2
    max_count = 12
  }
}
