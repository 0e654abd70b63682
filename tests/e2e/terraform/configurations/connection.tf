variable "connection_tags" {
  type    = map(string)
  default = { Team = "web" }
}

resource "aws_apprunner_connection" "github" {
  connection_name = "tf-github"
  provider_type   = "GITHUB"
  tags            = var.connection_tags
}

resource "aws_apprunner_connection" "bitbucket" {
  connection_name = "tf-bitbucket"
  provider_type   = "BITBUCKET"
}

output "github_arn" {
  value = aws_apprunner_connection.github.arn
}

output "github_status" {
  value = aws_apprunner_connection.github.status
}
