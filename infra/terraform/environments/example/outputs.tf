output "policy_service_url" {
  description = "Admin API and snapshot endpoint, inside the connected VPCs."
  value       = module.control_plane.policy_service_url
}

output "reconciler_url" {
  description = "Reconciler health, metrics and /v1/global/usage."
  value       = module.control_plane.reconciler_url
}

output "migrate_command" {
  description = "Runs the migrations task; run it before every policy-service release."
  value       = module.control_plane.migrate_command
}

output "enforcer_urls" {
  description = "Per region, the base URL its API gateways call."
  value = {
    "us-east"      = module.region_us_east.enforcer_url
    "eu-west"      = module.region_eu_west.enforcer_url
    "ap-southeast" = module.region_ap_southeast.enforcer_url
  }
}
