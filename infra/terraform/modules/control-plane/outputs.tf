output "policy_service_url" {
  description = "Base URL of the policy service (admin API, /v1/policies/snapshot) inside the connected VPCs."
  value       = "http://${aws_lb.control_plane.dns_name}"
}

output "reconciler_url" {
  description = "Base URL of the reconciler (health, metrics, /v1/global/usage)."
  value       = "http://${aws_lb.control_plane.dns_name}:${local.reconciler_port}"
}

output "database_password_secret_arn" {
  description = "Secrets Manager secret RDS manages for the master user (its password reaches the tasks as PGPASSWORD)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "migrate_command" {
  description = "The AWS CLI command that runs the migrations task (before every policy-service release)."
  value       = "aws ecs run-task --region ${data.aws_region.current.name} --cluster ${aws_ecs_cluster.this.name} --launch-type FARGATE --task-definition ${aws_ecs_task_definition.migrate.family} --network-configuration 'awsvpcConfiguration={subnets=[${join(",", var.private_subnet_ids)}],securityGroups=[${aws_security_group.services.id}]}'"
}
