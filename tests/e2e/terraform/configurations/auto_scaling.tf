# Two revisions of one auto scaling configuration name; all arguments but tags force replacement.
variable "scaling_tags" {
  type    = map(string)
  default = { Team = "platform" }
}

resource "aws_apprunner_auto_scaling_configuration_version" "first" {
  auto_scaling_configuration_name = "tf-scaling"
  max_concurrency                 = 50
  min_size                        = 2
  max_size                        = 10
  tags                            = var.scaling_tags
}

resource "aws_apprunner_auto_scaling_configuration_version" "second" {
  auto_scaling_configuration_name = "tf-scaling"
  max_concurrency                 = 80
  min_size                        = 1
  max_size                        = 4
  tags                            = var.scaling_tags

  depends_on = [aws_apprunner_auto_scaling_configuration_version.first]
}

output "scaling_first_arn" {
  value = aws_apprunner_auto_scaling_configuration_version.first.arn
}

output "scaling_second_arn" {
  value = aws_apprunner_auto_scaling_configuration_version.second.arn
}

output "scaling_second_revision" {
  value = aws_apprunner_auto_scaling_configuration_version.second.auto_scaling_configuration_revision
}

output "scaling_second_status" {
  value = aws_apprunner_auto_scaling_configuration_version.second.status
}
