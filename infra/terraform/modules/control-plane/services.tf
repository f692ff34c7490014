# The policy service (admin API, snapshot for enforcers) and the reconciler on ECS Fargate, behind
# one internal application load balancer: port 80 → policy service, port 8090 → reconciler
# (health, metrics, /v1/global/usage). The migrations task is defined here and run by the deploy
# pipeline before a new policy-service version (see the migrate_command output).

resource "aws_ecs_cluster" "this" {
  name = var.name
  tags = local.tags

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "services" {
  for_each          = toset(["policy-service", "reconciler", "migrate"])
  name              = "/ratelimiter/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name_prefix        = "${var.name}-exec-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "read_secrets" {
  statement {
    actions = ["secretsmanager:GetSecretValue"]
    resources = compact([
      aws_db_instance.this.master_user_secret[0].secret_arn,
      var.admin_token_secret_arn,
      var.enforcer_api_key_secret_arn,
      var.reconciler_api_token_secret_arn,
      var.nats_nkey_seed_secret_arns.policy_service,
      var.nats_nkey_seed_secret_arns.reconciler,
      var.signing.policy_private_key_secret_arn,
      var.signing.allocation_private_key_secret_arn,
      # Null unless the caller inspector is wired (compact drops it).
      var.enforcer_internal_token_secret_arn,
    ])
  }
}

resource "aws_iam_role_policy" "read_secrets" {
  name   = "read-control-plane-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.read_secrets.json
}

# The services' own AWS identity: they call no AWS API.
resource "aws_iam_role" "task" {
  name_prefix        = "${var.name}-task-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

resource "aws_security_group" "lb" {
  name_prefix = "${var.name}-lb-"
  description = "Internal load balancer of the control plane"
  vpc_id      = var.vpc_id
  tags        = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "lb" {
  for_each = { for pair in setproduct(var.client_cidr_blocks, [80, local.reconciler_port]) : "${pair[0]}-${pair[1]}" => pair }

  security_group_id = aws_security_group.lb.id
  cidr_ipv4         = each.value[0]
  ip_protocol       = "tcp"
  from_port         = each.value[1]
  to_port           = each.value[1]
  description       = "enforcers and operators"
}

resource "aws_vpc_security_group_egress_rule" "lb_to_services" {
  security_group_id            = aws_security_group.lb.id
  referenced_security_group_id = aws_security_group.services.id
  ip_protocol                  = "tcp"
  from_port                    = local.policy_service_port
  to_port                      = local.reconciler_port
  description                  = "policy service and reconciler tasks"
}

resource "aws_security_group" "services" {
  name_prefix = "${var.name}-services-"
  description = "Policy service, reconciler and migrations tasks"
  vpc_id      = var.vpc_id
  tags        = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "services_from_lb" {
  security_group_id            = aws_security_group.services.id
  referenced_security_group_id = aws_security_group.lb.id
  ip_protocol                  = "tcp"
  from_port                    = local.policy_service_port
  to_port                      = local.reconciler_port
  description                  = "internal load balancer"
}

resource "aws_vpc_security_group_egress_rule" "services_all" {
  security_group_id = aws_security_group.services.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
  description       = "PostgreSQL, NATS, the image registry and Secrets Manager"
}

resource "aws_lb" "control_plane" {
  name               = substr("${var.name}-control", 0, 32)
  internal           = true
  load_balancer_type = "application"
  subnets            = var.private_subnet_ids
  security_groups    = [aws_security_group.lb.id]
  tags               = local.tags
}

resource "aws_lb_target_group" "policy_service" {
  name                 = substr("${var.name}-policy", 0, 32)
  port                 = local.policy_service_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 15
  tags                 = local.tags

  health_check {
    path    = "/readyz"
    matcher = "200"
  }
}

resource "aws_lb_listener" "policy_service" {
  load_balancer_arn = aws_lb.control_plane.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.policy_service.arn
  }
}

resource "aws_lb_target_group" "reconciler" {
  name                 = substr("${var.name}-reconciler", 0, 32)
  port                 = local.reconciler_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 5
  tags                 = local.tags

  # Only ready instances (NATS connected, KV reachable) receive /v1/global/usage and metrics scrapes.
  health_check {
    path    = "/readyz"
    matcher = "200"
  }
}

resource "aws_lb_listener" "reconciler" {
  load_balancer_arn = aws_lb.control_plane.arn
  port              = local.reconciler_port
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.reconciler.arn
  }
}

locals {
  task_defaults = {
    essential              = true
    user                   = "1000:1000"
    readonlyRootFilesystem = false
    stopTimeout            = 30
  }
  log_options = { for name, group in aws_cloudwatch_log_group.services : name => {
    logDriver = "awslogs"
    options = {
      awslogs-group         = group.name
      awslogs-region        = data.aws_region.current.name
      awslogs-stream-prefix = name
    }
  } }
}

resource "aws_ecs_task_definition" "policy_service" {
  family                   = "${var.name}-policy-service"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.policy_service.cpu
  memory                   = var.policy_service.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  tags                     = local.tags

  lifecycle {
    precondition {
      condition     = length(var.enforcer_urls) == 0 || var.enforcer_internal_token_secret_arn != null
      error_message = "enforcer_internal_token_secret_arn is required with enforcer_urls (the policy service refuses ENFORCER_URLS without ENFORCER_INTERNAL_TOKEN)."
    }
  }

  container_definitions = jsonencode([merge(local.task_defaults, {
    name             = "policy-service"
    image            = var.policy_service.image
    portMappings     = [{ containerPort = local.policy_service_port, protocol = "tcp" }]
    environment      = [for k, v in local.policy_service_environment : { name = k, value = v }]
    secrets          = [for k, arn in local.policy_service_secrets : { name = k, valueFrom = arn } if arn != null]
    logConfiguration = local.log_options["policy-service"]
  })])
}

# Run once per release, before the services roll: `terraform output -raw migrate_command`.
resource "aws_ecs_task_definition" "migrate" {
  family                   = "${var.name}-migrate"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  tags                     = local.tags

  container_definitions = jsonencode([merge(local.task_defaults, {
    name             = "migrate"
    image            = var.policy_service.image
    command          = ["node", "dist/apps/policy-service/src/migrate.js"]
    environment      = [{ name = "DATABASE_URL", value = local.database_url }, { name = "DATABASE_SSL_MODE", value = local.database_ssl_mode }]
    secrets          = [{ name = "PGPASSWORD", valueFrom = local.database_password_secret }]
    logConfiguration = local.log_options["migrate"]
  })])
}

resource "aws_ecs_task_definition" "reconciler" {
  family                   = "${var.name}-reconciler"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.reconciler.cpu
  memory                   = var.reconciler.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  tags                     = local.tags

  container_definitions = jsonencode([merge(local.task_defaults, {
    name             = "reconciler"
    image            = var.reconciler.image
    portMappings     = [{ containerPort = local.reconciler_port, protocol = "tcp" }]
    environment      = [for k, v in local.reconciler_environment : { name = k, value = v }]
    secrets          = [for k, arn in local.reconciler_secrets : { name = k, valueFrom = arn }]
    logConfiguration = local.log_options["reconciler"]
  })])

  lifecycle {
    # The reconciler refuses to start unless every region has a usage key, and no other region does.
    precondition {
      condition     = toset(keys(var.signing.usage_public_keys)) == toset(var.regions)
      error_message = "signing.usage_public_keys must have an entry for every region of `regions`, and no other."
    }
  }
}

resource "aws_ecs_service" "policy_service" {
  name                              = "policy-service"
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.policy_service.arn
  desired_count                     = var.policy_service.count
  launch_type                       = "FARGATE"
  health_check_grace_period_seconds = 30
  propagate_tags                    = "SERVICE"
  tags                              = local.tags

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.services.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.policy_service.arn
    container_name   = "policy-service"
    container_port   = local.policy_service_port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  depends_on = [aws_lb_listener.policy_service]
}

resource "aws_ecs_service" "reconciler" {
  name                              = "reconciler"
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.reconciler.arn
  desired_count                     = var.reconciler.count
  launch_type                       = "FARGATE"
  health_check_grace_period_seconds = 30
  propagate_tags                    = "SERVICE"
  tags                              = local.tags

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.services.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.reconciler.arn
    container_name   = "reconciler"
    container_port   = local.reconciler_port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  depends_on = [aws_lb_listener.reconciler]
}
