# The account's default auto scaling configuration, pointed at one of two versions.
variable "default_index" {
  type    = number
  default = 0
}

resource "aws_apprunner_auto_scaling_configuration_version" "candidate" {
  count = 2

  auto_scaling_configuration_name = "tf-candidate-${count.index}"
  max_size                        = 3 + count.index
}

resource "aws_apprunner_default_auto_scaling_configuration_version" "this" {
  auto_scaling_configuration_arn = aws_apprunner_auto_scaling_configuration_version.candidate[var.default_index].arn
}

output "candidate_arns" {
  value = aws_apprunner_auto_scaling_configuration_version.candidate[*].arn
}

output "default_arn" {
  value = aws_apprunner_default_auto_scaling_configuration_version.this.auto_scaling_configuration_arn
}
