# The roles an App Runner service uses (its ECR access role and its instance role), an instance profile, and App
# Runner's service-linked role.
resource "aws_iam_role" "instance" {
  name                 = "app-instance"
  path                 = "/apps/"
  description          = "the application's instance role"
  max_session_duration = 7200
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "tasks.apprunner.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = { Team = "blue" }
}

resource "aws_iam_role" "access" {
  name_prefix = "ecr-access-"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "build.apprunner.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_instance_profile" "app" {
  name = "app-profile"
  role = aws_iam_role.instance.name
}

resource "aws_iam_service_linked_role" "apprunner" {
  aws_service_name = "apprunner.amazonaws.com"
}

output "instance_role_arn" {
  value = aws_iam_role.instance.arn
}

output "instance_role_id" {
  value = aws_iam_role.instance.unique_id
}

output "access_role_name" {
  value = aws_iam_role.access.name
}

output "profile_arn" {
  value = aws_iam_instance_profile.app.arn
}

output "service_linked_role_arn" {
  value = aws_iam_service_linked_role.apprunner.arn
}
