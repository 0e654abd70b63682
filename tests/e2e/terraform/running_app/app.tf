# A source-code service whose repository is a local directory: runnerlink builds and runs it, and the provider's
# waiter sees RUNNING only once the application's health check has passed.
variable "app_dir" {
  type = string
}

variable "app_version" {
  type    = string
  default = "1"
}

resource "aws_apprunner_service" "app" {
  service_name = "tf-running-app"

  source_configuration {
    auto_deployments_enabled = false
    code_repository {
      repository_url = "file://${var.app_dir}"
      source_code_version {
        type  = "BRANCH"
        value = "main"
      }
      code_configuration {
        configuration_source = "API"
        code_configuration_values {
          runtime       = "PYTHON_3"
          build_command = "echo built > built.txt"
          start_command = "python3 server.py"
          port          = "8080"
          runtime_environment_variables = {
            APP_VERSION = var.app_version
            GREETING    = "from terraform"
          }
        }
      }
    }
  }

  health_check_configuration {
    protocol            = "HTTP"
    path                = "/"
    interval            = 1
    timeout             = 1
    healthy_threshold   = 1
    unhealthy_threshold = 3
  }
}

output "service_url" {
  value = aws_apprunner_service.app.service_url
}

output "service_arn" {
  value = aws_apprunner_service.app.arn
}
