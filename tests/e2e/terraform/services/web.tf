# An image service from ECR Public, with its own auto scaling and observability configurations.
variable "web_cpu" {
  type    = string
  default = "1 vCPU"
}

variable "web_memory" {
  type    = string
  default = "2 GB"
}

variable "web_health_check" {
  type = object({
    protocol            = string
    path                = string
    interval            = number
    timeout             = number
    healthy_threshold   = number
    unhealthy_threshold = number
  })
  default = {
    protocol            = "TCP"
    path                = "/"
    interval            = 5
    timeout             = 2
    healthy_threshold   = 1
    unhealthy_threshold = 5
  }
}

variable "web_scaling_index" {
  type    = number
  default = 0
}

variable "web_environment" {
  type    = map(string)
  default = { GREETING = "hello" }
}

variable "web_tags" {
  type    = map(string)
  default = { App = "web" }
}

resource "aws_apprunner_auto_scaling_configuration_version" "web" {
  count = 2

  auto_scaling_configuration_name = "tf-web-${count.index}"
  max_concurrency                 = 50 + count.index
  min_size                        = 1
  max_size                        = 3 + count.index
}

resource "aws_apprunner_observability_configuration" "web" {
  observability_configuration_name = "tf-web-xray"

  trace_configuration {
    vendor = "AWSXRAY"
  }
}

resource "aws_apprunner_service" "web" {
  service_name                   = "tf-web"
  auto_scaling_configuration_arn = aws_apprunner_auto_scaling_configuration_version.web[var.web_scaling_index].arn

  source_configuration {
    auto_deployments_enabled = false

    image_repository {
      image_identifier      = "public.ecr.aws/nginx/nginx:latest"
      image_repository_type = "ECR_PUBLIC"

      image_configuration {
        port                          = "80"
        runtime_environment_variables = var.web_environment
      }
    }
  }

  instance_configuration {
    cpu    = var.web_cpu
    memory = var.web_memory
  }

  health_check_configuration {
    protocol            = var.web_health_check.protocol
    path                = var.web_health_check.path
    interval            = var.web_health_check.interval
    timeout             = var.web_health_check.timeout
    healthy_threshold   = var.web_health_check.healthy_threshold
    unhealthy_threshold = var.web_health_check.unhealthy_threshold
  }

  observability_configuration {
    observability_enabled           = true
    observability_configuration_arn = aws_apprunner_observability_configuration.web.arn
  }

  tags = var.web_tags
}

output "web_arn" {
  value = aws_apprunner_service.web.arn
}

output "web_url" {
  value = aws_apprunner_service.web.service_url
}

output "web_status" {
  value = aws_apprunner_service.web.status
}

output "web_scaling_arns" {
  value = aws_apprunner_auto_scaling_configuration_version.web[*].arn
}

output "web_observability_arn" {
  value = aws_apprunner_observability_configuration.web.arn
}
