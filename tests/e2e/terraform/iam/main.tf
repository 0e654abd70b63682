# Users, a group and both kinds of membership, a managed policy (updated: a new default version), an inline user
# policy, attachments of a customer and an AWS managed policy, an access key.
variable "policy_actions" {
  type    = list(string)
  default = ["apprunner:ListServices"]
}

resource "aws_iam_user" "deployer" {
  name = "deployer"
  path = "/ci/"
  tags = {
    Team = "platform"
  }
}

resource "aws_iam_user" "viewer" {
  name = "viewer"
}

resource "aws_iam_group" "operators" {
  name = "operators"
  path = "/ops/"
}

resource "aws_iam_group_membership" "operators" {
  name  = "operators-membership"
  group = aws_iam_group.operators.name
  users = [aws_iam_user.deployer.name]
}

resource "aws_iam_group" "readers" {
  name = "readers"
}

resource "aws_iam_user_group_membership" "viewer" {
  user   = aws_iam_user.viewer.name
  groups = [aws_iam_group.readers.name]
}

resource "aws_iam_policy" "deploy" {
  name        = "deploy"
  path        = "/ci/"
  description = "What the pipeline may do"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = var.policy_actions
      Resource = "*"
    }]
  })
}

resource "aws_iam_user_policy" "inline" {
  name = "read-services"
  user = aws_iam_user.deployer.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["apprunner:DescribeService"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_user_policy_attachment" "deploy" {
  user       = aws_iam_user.deployer.name
  policy_arn = aws_iam_policy.deploy.arn
}

resource "aws_iam_user_policy_attachment" "read_only" {
  user       = aws_iam_user.viewer.name
  policy_arn = "arn:aws:iam::aws:policy/AWSAppRunnerReadOnlyAccess"
}

resource "aws_iam_group_policy_attachment" "operators" {
  group      = aws_iam_group.operators.name
  policy_arn = aws_iam_policy.deploy.arn
}

resource "aws_iam_access_key" "deployer" {
  user = aws_iam_user.deployer.name
}

output "user_arn" {
  value = aws_iam_user.deployer.arn
}

output "policy_arn" {
  value = aws_iam_policy.deploy.arn
}

output "access_key_id" {
  value = aws_iam_access_key.deployer.id
}

output "access_key_secret" {
  value     = aws_iam_access_key.deployer.secret
  sensitive = true
}
