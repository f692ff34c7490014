# The enforcer service: ECS Fargate tasks behind an internal application load balancer (the
# address the region's API gateways call), autoscaled on CPU and on requests per task.

data "aws_region" "current" {}

resource "aws_cloudwatch_log_group" "enforcer" {
  name              = "/ratelimiter/${var.name}/enforcer"
  retention_in_days = var.enforcer.log_retention_days
  tags              = local.tags
}

resource "aws_ecs_cluster" "this" {
  name = local.prefix
  tags = local.tags

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
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

# The execution role pulls the image, writes logs and resolves the task's secrets; the task role
# (the enforcer's own AWS identity) needs no permission at all.
resource "aws_iam_role" "enforcer_execution" {
  name_prefix        = "${local.prefix}-enf-exec-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy_attachment" "enforcer_execution" {
  role       = aws_iam_role.enforcer_execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "enforcer_secrets" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = compact(values(local.enforcer_secrets))
  }
}

resource "aws_iam_role_policy" "enforcer_secrets" {
  name   = "read-enforcer-secrets"
  role   = aws_iam_role.enforcer_execution.id
  policy = data.aws_iam_policy_document.enforcer_secrets.json
}

resource "aws_iam_role" "enforcer_task" {
  name_prefix        = "${local.prefix}-enf-task-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

resource "aws_ecs_task_definition" "enforcer" {
  family                   = "${local.prefix}-enforcer"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.enforcer.cpu
  memory                   = var.enforcer.memory
  execution_role_arn       = aws_iam_role.enforcer_execution.arn
  task_role_arn            = aws_iam_role.enforcer_task.arn
  tags                     = local.tags

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([{
    name                   = "enforcer"
    image                  = var.enforcer.image
    essential              = true
    readonlyRootFilesystem = false
    user                   = "1000:1000"
    portMappings           = [{ containerPort = local.enforcer_port, protocol = "tcp" }]
    environment            = [for k, v in local.enforcer_container_environment : { name = k, value = v }]
    secrets                = [for k, arn in local.enforcer_secrets : { name = k, valueFrom = arn } if arn != null]
    stopTimeout            = 30
    healthCheck = {
      command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:${local.enforcer_port}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
      interval    = 10
      timeout     = 5
      retries     = 3
      startPeriod = 20
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.enforcer.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = "enforcer"
      }
    }
  }])
}

resource "aws_security_group" "enforcer_lb" {
  name_prefix = "${local.prefix}-enf-lb-"
  description = "Internal load balancer of the ${var.name} enforcers: API gateways only"
  vpc_id      = var.vpc_id
  tags        = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "enforcer_lb_clients" {
  for_each          = toset(var.client_cidr_blocks)
  security_group_id = aws_security_group.enforcer_lb.id
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  description       = "API gateways"
}

resource "aws_vpc_security_group_egress_rule" "enforcer_lb_to_tasks" {
  security_group_id            = aws_security_group.enforcer_lb.id
  referenced_security_group_id = aws_security_group.enforcer.id
  ip_protocol                  = "tcp"
  from_port                    = local.enforcer_port
  to_port                      = local.enforcer_port
  description                  = "enforcer tasks"
}

resource "aws_security_group" "enforcer" {
  name_prefix = "${local.prefix}-enforcer-"
  description = "Enforcer tasks of ${var.name}"
  vpc_id      = var.vpc_id
  tags        = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "enforcer_from_lb" {
  security_group_id            = aws_security_group.enforcer.id
  referenced_security_group_id = aws_security_group.enforcer_lb.id
  ip_protocol                  = "tcp"
  from_port                    = local.enforcer_port
  to_port                      = local.enforcer_port
  description                  = "internal load balancer"
}

resource "aws_vpc_security_group_egress_rule" "enforcer_all" {
  security_group_id = aws_security_group.enforcer.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
  description       = "Redis, NATS, the policy service, the image registry and Secrets Manager"
}

resource "aws_lb" "enforcer" {
  name               = substr("${local.prefix}-enforcer", 0, 32)
  internal           = true
  load_balancer_type = "application"
  subnets            = local.subnet_ids
  security_groups    = [aws_security_group.enforcer_lb.id]
  idle_timeout       = 120
  tags               = local.tags
}

resource "aws_lb_target_group" "enforcer" {
  name                 = substr("${local.prefix}-enforcer", 0, 32)
  port                 = local.enforcer_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 10
  tags                 = local.tags

  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 10
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

resource "aws_lb_listener" "enforcer" {
  load_balancer_arn = aws_lb.enforcer.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.enforcer.arn
  }
}

resource "aws_ecs_service" "enforcer" {
  name                              = "enforcer"
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.enforcer.arn
  desired_count                     = var.enforcer.min_count
  launch_type                       = "FARGATE"
  health_check_grace_period_seconds = 30
  propagate_tags                    = "SERVICE"
  tags                              = local.tags

  network_configuration {
    subnets          = local.subnet_ids
    security_groups  = [aws_security_group.enforcer.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.enforcer.arn
    container_name   = "enforcer"
    container_port   = local.enforcer_port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # The autoscaler owns the task count after creation.
  lifecycle {
    ignore_changes = [desired_count]
  }

  depends_on = [aws_lb_listener.enforcer]
}

resource "aws_appautoscaling_target" "enforcer" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.enforcer.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.enforcer.min_count
  max_capacity       = var.enforcer.max_count
}

resource "aws_appautoscaling_policy" "enforcer_cpu" {
  name               = "${local.prefix}-enforcer-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.enforcer.service_namespace
  resource_id        = aws_appautoscaling_target.enforcer.resource_id
  scalable_dimension = aws_appautoscaling_target.enforcer.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.enforcer.target_cpu_percent
    scale_in_cooldown  = 120
    scale_out_cooldown = 30

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "enforcer_requests" {
  name               = "${local.prefix}-enforcer-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.enforcer.service_namespace
  resource_id        = aws_appautoscaling_target.enforcer.resource_id
  scalable_dimension = aws_appautoscaling_target.enforcer.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.enforcer.target_requests_per_minute
    scale_in_cooldown  = 120
    scale_out_cooldown = 30

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${aws_lb.enforcer.arn_suffix}/${aws_lb_target_group.enforcer.arn_suffix}"
    }
  }
}
