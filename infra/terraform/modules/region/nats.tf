# The region's NATS cluster: one EC2 instance per private subnet (up to three), each at the fixed
# address cidrhost(subnet, nats.host_number) so that routes and the other regions' gateway lists
# are known before anything is created. JetStream stores on the instance's EBS volume. Clients
# (enforcers, control plane) reach the cluster through an internal network load balancer.

locals {
  nats_subnets = slice(var.private_subnets, 0, min(3, length(var.private_subnets)))
  nats_servers = [for i, s in local.nats_subnets : {
    name      = "${var.name}-nats-${i + 1}"
    subnet_id = s.id
    ip        = cidrhost(s.cidr_block, var.nats.host_number)
  }]
  nats_other_regions = { for region, urls in var.nats_gateways : region => urls if region != var.name }

  # Who may connect and what each may do: one NATS user per service (and per region for the
  # enforcers), identified by its public NKey, with the permissions of
  # templates/nats-permissions.json.tftpl, which infra/nats/nats-config.spec.ts keeps equal to the
  # layout the services are tested against (natsPermissionLayout in libs/devstack).
  nats_stream_prefix = upper(replace(var.nats_namespace, "-", "_"))
  nats_permissions = {
    for region in var.global_regions : region => jsondecode(templatefile("${path.module}/templates/nats-permissions.json.tftpl", {
      ns            = var.nats_namespace
      stream_prefix = local.nats_stream_prefix
      region        = region
    }))
  }
  nats_users = concat(
    [for service in ["policy_service", "reconciler"] : {
      nkey = var.nats_public_keys[service]
      permissions = {
        publish   = { allow = local.nats_permissions[var.name][service].publish }
        subscribe = { allow = local.nats_permissions[var.name][service].subscribe }
      }
    }],
    [for region in var.global_regions : {
      nkey = var.nats_public_keys.enforcers[region]
      permissions = {
        publish   = { allow = local.nats_permissions[region].enforcer.publish }
        subscribe = { allow = local.nats_permissions[region].enforcer.subscribe }
      }
    }],
  )
  # nats-server reads JSON, but not jsonencode's \u003e for ">" (its strings know only \xXX escapes).
  nats_users_json = replace(jsonencode(local.nats_users), "\\u003e", ">")
}

data "aws_ssm_parameter" "al2023_ami" {
  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

resource "aws_security_group" "nats" {
  name_prefix = "${local.prefix}-nats-"
  description = "NATS of ${var.name}: clients and gateways from the deployment's VPCs, routes within the cluster"
  vpc_id      = var.vpc_id
  tags        = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "nats_clients" {
  for_each          = toset(var.internal_cidr_blocks)
  security_group_id = aws_security_group.nats.id
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 4222
  to_port           = 4222
  description       = "NATS clients"
}

resource "aws_vpc_security_group_ingress_rule" "nats_gateways" {
  for_each          = toset(var.internal_cidr_blocks)
  security_group_id = aws_security_group.nats.id
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 7222
  to_port           = 7222
  description       = "NATS gateways of the other regions"
}

resource "aws_vpc_security_group_ingress_rule" "nats_routes" {
  security_group_id            = aws_security_group.nats.id
  referenced_security_group_id = aws_security_group.nats.id
  ip_protocol                  = "tcp"
  from_port                    = 6222
  to_port                      = 6222
  description                  = "NATS cluster routes"
}

resource "aws_vpc_security_group_ingress_rule" "nats_monitoring" {
  security_group_id = aws_security_group.nats.id
  cidr_ipv4         = data.aws_vpc.this.cidr_block
  ip_protocol       = "tcp"
  from_port         = 8222
  to_port           = 8222
  description       = "NATS monitoring (load balancer health checks)"
}

resource "aws_vpc_security_group_egress_rule" "nats_all" {
  security_group_id = aws_security_group.nats.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
  description       = "routes, gateways and the image registry"
}

resource "aws_instance" "nats" {
  count                  = length(local.nats_servers)
  ami                    = data.aws_ssm_parameter.al2023_ami.value
  instance_type          = var.nats.instance_type
  subnet_id              = local.nats_servers[count.index].subnet_id
  private_ip             = local.nats_servers[count.index].ip
  vpc_security_group_ids = [aws_security_group.nats.id]

  metadata_options {
    http_tokens = "required"
  }

  root_block_device {
    volume_size = var.nats.volume_gb
    volume_type = "gp3"
    encrypted   = true
  }

  user_data = templatefile("${path.module}/templates/nats-user-data.sh.tftpl", {
    nats_version = var.nats.version
    nats_conf_base64 = base64encode(templatefile("${path.module}/templates/nats.conf.tftpl", {
      server_name          = local.nats_servers[count.index].name
      region               = var.name
      routes               = [for s in local.nats_servers : "nats://${s.ip}:6222"]
      gateways             = local.nats_other_regions
      max_file_store_bytes = (var.nats.volume_gb - 4) * 1024 * 1024 * 1024
      users_json           = local.nats_users_json
    }))
  })

  tags = merge(local.tags, { Name = local.nats_servers[count.index].name })

  # A running server is never replaced for a new AMI or boot script: that would drop its JetStream
  # store. Roll servers one at a time instead (README: operations). Gateways are discovered
  # implicitly, so a region added later needs no change here: its servers connect to these, and
  # these connect back.
  lifecycle {
    ignore_changes = [ami, user_data]
  }
}

resource "aws_lb" "nats" {
  name               = substr("${local.prefix}-nats", 0, 32)
  internal           = true
  load_balancer_type = "network"
  subnets            = local.subnet_ids
  tags               = local.tags
}

resource "aws_lb_target_group" "nats" {
  name        = substr("${local.prefix}-nats", 0, 32)
  port        = 4222
  protocol    = "TCP"
  target_type = "instance"
  vpc_id      = var.vpc_id
  tags        = local.tags

  health_check {
    protocol = "HTTP"
    port     = "8222"
    path     = "/healthz"
  }
}

resource "aws_lb_target_group_attachment" "nats" {
  count            = length(aws_instance.nats)
  target_group_arn = aws_lb_target_group.nats.arn
  target_id        = aws_instance.nats[count.index].id
  port             = 4222
}

resource "aws_lb_listener" "nats" {
  load_balancer_arn = aws_lb.nats.arn
  port              = 4222
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.nats.arn
  }
}
