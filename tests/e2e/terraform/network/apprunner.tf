# A private App Runner service: egress through a VPC connector in the private subnets, ingress only through a VPC
# ingress connection on the apprunner.requests endpoint.
resource "aws_apprunner_vpc_connector" "main" {
  vpc_connector_name = "tf-network"
  subnets            = aws_subnet.private[*].id
  security_groups    = [aws_security_group.https.id]

  tags = { Name = "tf-network" }
}

resource "aws_apprunner_service" "private" {
  service_name = "tf-private"

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

  network_configuration {
    ingress_configuration {
      is_publicly_accessible = false
    }

    egress_configuration {
      egress_type       = "VPC"
      vpc_connector_arn = aws_apprunner_vpc_connector.main.arn
    }
  }

  tags = { App = "private" }
}

resource "aws_apprunner_vpc_ingress_connection" "main" {
  name        = "tf-private"
  service_arn = aws_apprunner_service.private.arn

  ingress_vpc_configuration {
    vpc_id          = aws_vpc.main.id
    vpc_endpoint_id = aws_vpc_endpoint.apprunner_requests.id
  }

  tags = { App = "private" }
}

output "connector_arn" {
  value = aws_apprunner_vpc_connector.main.arn
}

output "connector_status" {
  value = aws_apprunner_vpc_connector.main.status
}

output "service_arn" {
  value = aws_apprunner_service.private.arn
}

output "service_status" {
  value = aws_apprunner_service.private.status
}

output "ingress_arn" {
  value = aws_apprunner_vpc_ingress_connection.main.arn
}

output "ingress_status" {
  value = aws_apprunner_vpc_ingress_connection.main.status
}

output "ingress_domain_name" {
  value = aws_apprunner_vpc_ingress_connection.main.domain_name
}
