# A minimal image service (defaults everywhere) and a custom domain associated with it.
variable "site_domain_name" {
  type    = string
  default = "app.example.com"
}

variable "site_enable_www_subdomain" {
  type    = bool
  default = true
}

variable "site_tags" {
  type    = map(string)
  default = { App = "site" }
}

resource "aws_apprunner_service" "site" {
  service_name = "tf-site"

  source_configuration {
    auto_deployments_enabled = false

    image_repository {
      image_identifier      = "public.ecr.aws/nginx/nginx:latest"
      image_repository_type = "ECR_PUBLIC"

      image_configuration {
        port = "80"
      }
    }
  }

  tags = var.site_tags
}

resource "aws_apprunner_custom_domain_association" "site" {
  service_arn          = aws_apprunner_service.site.arn
  domain_name          = var.site_domain_name
  enable_www_subdomain = var.site_enable_www_subdomain
}

output "site_arn" {
  value = aws_apprunner_service.site.arn
}

output "site_url" {
  value = aws_apprunner_service.site.service_url
}

output "site_dns_target" {
  value = aws_apprunner_custom_domain_association.site.dns_target
}

output "site_domain_status" {
  value = aws_apprunner_custom_domain_association.site.status
}

output "site_certificate_validation_records" {
  value = aws_apprunner_custom_domain_association.site.certificate_validation_records
}
