# One observability configuration with X-Ray tracing, one without any trace configuration (tracing off).
variable "observability_tags" {
  type    = map(string)
  default = { Team = "observability" }
}

resource "aws_apprunner_observability_configuration" "xray" {
  observability_configuration_name = "tf-xray"
  tags                             = var.observability_tags

  trace_configuration {
    vendor = "AWSXRAY"
  }
}

resource "aws_apprunner_observability_configuration" "plain" {
  observability_configuration_name = "tf-plain"
  tags                             = var.observability_tags
}

output "xray_arn" {
  value = aws_apprunner_observability_configuration.xray.arn
}

output "plain_arn" {
  value = aws_apprunner_observability_configuration.plain.arn
}

output "xray_status" {
  value = aws_apprunner_observability_configuration.xray.status
}
