# The network `runnerlink audit` reads from a plan and from the state (tests/e2e/test_terraform_audit_source.py):
# a VPC with public and private subnets in two zones, an internet gateway, a NAT gateway with its Elastic IP, public
# and private route tables, security groups (inline rules and rules of their own), the endpoints (a child module),
# an App Runner VPC connector in the private subnets and a service egressing through it.
locals {
  cidr  = "10.50.0.0/16"
  zones = ["us-east-1a", "us-east-1b"]
}

resource "aws_vpc" "main" {
  cidr_block           = local.cidr
  enable_dns_hostnames = true

  tags = { Name = "tf-audit" }
}

resource "aws_subnet" "public" {
  count = 2

  vpc_id                  = aws_vpc.main.id
  cidr_block              = cidrsubnet(local.cidr, 8, count.index)
  availability_zone       = local.zones[count.index]
  map_public_ip_on_launch = true
}

resource "aws_subnet" "private" {
  for_each = { a = 0, b = 1 }

  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(local.cidr, 8, 10 + each.value)
  availability_zone = local.zones[each.value]
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_eip" "nat" {
  domain     = "vpc"
  depends_on = [aws_internet_gateway.main]
}

resource "aws_nat_gateway" "main" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public[0].id
  depends_on    = [aws_internet_gateway.main]
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route" "private_default" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.main.id
}

resource "aws_route_table_association" "public" {
  count = 2

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table_association" "private" {
  for_each = aws_subnet.private

  subnet_id      = each.value.id
  route_table_id = aws_route_table.private.id
}

# The endpoints' group: HTTPS from the VPC, inline.
resource "aws_security_group" "endpoints" {
  name        = "tf-audit-endpoints"
  description = "HTTPS from inside the VPC"
  vpc_id      = aws_vpc.main.id

  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

# The connector's group: no inline rules; its egress as a rule resource of its own.
resource "aws_security_group" "connector" {
  name        = "tf-audit-connector"
  description = "The App Runner VPC connector"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group_rule" "connector_https_out" {
  type                     = "egress"
  security_group_id        = aws_security_group.connector.id
  protocol                 = "tcp"
  from_port                = 443
  to_port                  = 443
  source_security_group_id = aws_security_group.endpoints.id
}

resource "aws_security_group_rule" "endpoints_from_connector" {
  type                     = "ingress"
  security_group_id        = aws_security_group.endpoints.id
  protocol                 = "tcp"
  from_port                = 443
  to_port                  = 443
  source_security_group_id = aws_security_group.connector.id
}

module "endpoints" {
  source = "./modules/endpoints"

  vpc_id          = aws_vpc.main.id
  subnet_ids      = [for s in aws_subnet.private : s.id]
  group_id        = aws_security_group.endpoints.id
  route_table_ids = [aws_route_table.private.id]
}

resource "aws_apprunner_vpc_connector" "main" {
  vpc_connector_name = "tf-audit"
  subnets            = [for s in aws_subnet.private : s.id]
  security_groups    = [aws_security_group.connector.id]
}

resource "aws_apprunner_service" "app" {
  service_name = "tf-audit"

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
    egress_configuration {
      egress_type       = "VPC"
      vpc_connector_arn = aws_apprunner_vpc_connector.main.arn
    }
  }
}
