# A private-ECR image service with both App Runner roles, as the App Runner documentation sets them up:
# - the access role (build.apprunner.amazonaws.com) App Runner assumes to pull the image, with the AWS managed
#   AWSAppRunnerServicePolicyForECRAccess attached;
# - the instance role (tasks.apprunner.amazonaws.com) whose session the application's AWS calls are signed with, with
#   an inline policy of its own.
# runnerlink runs the image as the test's stand-in command (--image), so the application really gets the instance
# role's credentials.
variable "image" {
  type = string
}

resource "aws_iam_role" "access" {
  name = "tf-apprunner-ecr-access"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "build.apprunner.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "access" {
  role       = aws_iam_role.access.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSAppRunnerServicePolicyForECRAccess"
}

resource "aws_iam_role" "instance" {
  name        = "tf-apprunner-instance"
  description = "What the application may call"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "tasks.apprunner.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "instance" {
  name = "read-apprunner"
  role = aws_iam_role.instance.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["apprunner:List*", "apprunner:Describe*"]
      Resource = "*"
    }]
  })
}

resource "aws_apprunner_service" "app" {
  service_name = "tf-app-roles"

  source_configuration {
    auto_deployments_enabled = false

    authentication_configuration {
      access_role_arn = aws_iam_role.access.arn
    }

    image_repository {
      image_identifier      = var.image
      image_repository_type = "ECR"

      image_configuration {
        port = "8080"
      }
    }
  }

  instance_configuration {
    cpu               = "1024"
    memory            = "2048"
    instance_role_arn = aws_iam_role.instance.arn
  }

  health_check_configuration {
    protocol            = "HTTP"
    path                = "/"
    interval            = 1
    timeout             = 1
    healthy_threshold   = 1
    unhealthy_threshold = 3
  }

  # App Runner checks at CreateService that it can assume the access role: the policy must be attached first.
  depends_on = [aws_iam_role_policy_attachment.access, aws_iam_role_policy.instance]
}

output "service_url" {
  value = aws_apprunner_service.app.service_url
}

output "service_id" {
  value = aws_apprunner_service.app.service_id
}

output "access_role_arn" {
  value = aws_iam_role.access.arn
}

output "instance_role_arn" {
  value = aws_iam_role.instance.arn
}
