output "enforcer_url" {
  description = "Base URL the region's API gateways call (POST /v1/check, GET /v1/auth)."
  value       = "http://${aws_lb.enforcer.dns_name}"
}

output "nats_url" {
  description = "NATS client URL of the region (internal load balancer in front of its servers)."
  value       = local.nats_url
}

output "nats_gateway_urls" {
  description = "This region's NATS gateway URLs, as other regions list them."
  value       = [for s in local.nats_servers : "nats://${s.ip}:7222"]
}

output "redis_endpoint" {
  description = "Primary endpoint (or, in cluster mode, configuration endpoint) of the counter store."
  value       = var.redis.cluster_mode ? aws_elasticache_replication_group.counters.configuration_endpoint_address : aws_elasticache_replication_group.counters.primary_endpoint_address
}

output "enforcer_environment_names" {
  description = "Names of every environment variable the enforcer tasks get (plain and from secrets)."
  value       = sort(concat(keys(local.enforcer_container_environment), [for k, arn in local.enforcer_secrets : k if arn != null]))
}
