# Issue 9's VPC in us-west-2: secondary IPv4 CIDR, Amazon-provided IPv6 with subnet /64s, DHCP options, a
# customer-managed prefix list used by a route and a security group, a peering to a second VPC, an s3 gateway
# endpoint and an apprunner interface endpoint in three zones.

provider "aws" {
  alias      = "usw2"
  region     = "us-west-2"
  access_key = var.account_id
  secret_key = "test"

  skip_credentials_validation = true
  skip_requesting_account_id  = var.skip_requesting_account_id
  skip_metadata_api_check     = true
  max_retries                 = 2

  endpoints {
    apprunner = var.runnerlink_endpoint
    ec2       = var.runnerlink_endpoint
    iam       = var.runnerlink_endpoint
    sts       = var.runnerlink_endpoint
  }
}

variable "dhcp_domain" {
  type    = string
  default = "corp.internal"
}

data "aws_availability_zones" "zones" {
  provider = aws.usw2
  state    = "available"
}

resource "aws_vpc" "main" {
  provider                         = aws.usw2
  cidr_block                       = "10.30.0.0/16"
  assign_generated_ipv6_cidr_block = true
  enable_dns_support               = true
  enable_dns_hostnames             = true
  tags                             = { Name = "main" }
}

resource "aws_vpc_ipv4_cidr_block_association" "secondary" {
  provider   = aws.usw2
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.31.0.0/16"
}

resource "aws_vpc_dhcp_options" "corp" {
  provider            = aws.usw2
  domain_name         = var.dhcp_domain
  domain_name_servers = ["AmazonProvidedDNS"]
}

resource "aws_vpc_dhcp_options_association" "corp" {
  provider        = aws.usw2
  vpc_id          = aws_vpc.main.id
  dhcp_options_id = aws_vpc_dhcp_options.corp.id
}

resource "aws_subnet" "zone" {
  provider                        = aws.usw2
  count                           = 3
  vpc_id                          = aws_vpc.main.id
  availability_zone               = data.aws_availability_zones.zones.names[count.index]
  cidr_block                      = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  ipv6_cidr_block                 = cidrsubnet(aws_vpc.main.ipv6_cidr_block, 8, count.index)
  assign_ipv6_address_on_creation = true
}

resource "aws_subnet" "secondary" {
  provider          = aws.usw2
  vpc_id            = aws_vpc_ipv4_cidr_block_association.secondary.vpc_id
  availability_zone = data.aws_availability_zones.zones.names[0]
  cidr_block        = "10.31.1.0/24"
}

resource "aws_ec2_managed_prefix_list" "office" {
  provider       = aws.usw2
  name           = "office"
  address_family = "IPv4"
  max_entries    = 5

  entry {
    cidr        = "10.40.0.0/24"
    description = "office network behind the peer"
  }
}

resource "aws_vpc" "peer" {
  provider   = aws.usw2
  cidr_block = "10.40.0.0/16"
  tags       = { Name = "peer" }
}

resource "aws_vpc_peering_connection" "peer" {
  provider    = aws.usw2
  vpc_id      = aws_vpc.main.id
  peer_vpc_id = aws_vpc.peer.id
  auto_accept = true
}

resource "aws_route_table" "private" {
  provider = aws.usw2
  vpc_id   = aws_vpc.main.id
}

resource "aws_route" "office" {
  provider                   = aws.usw2
  route_table_id             = aws_route_table.private.id
  destination_prefix_list_id = aws_ec2_managed_prefix_list.office.id
  vpc_peering_connection_id  = aws_vpc_peering_connection.peer.id
}

resource "aws_route_table_association" "zone" {
  provider       = aws.usw2
  count          = 3
  subnet_id      = aws_subnet.zone[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_security_group" "endpoints" {
  provider    = aws.usw2
  name        = "endpoints"
  description = "HTTPS from the VPC and the office"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }

  ingress {
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    prefix_list_ids = [aws_ec2_managed_prefix_list.office.id]
  }
}

resource "aws_vpc_endpoint" "s3" {
  provider          = aws.usw2
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.us-west-2.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
}

resource "aws_vpc_endpoint" "apprunner" {
  provider            = aws.usw2
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.us-west-2.apprunner"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.zone[*].id
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "peer_vpc_id" {
  value = aws_vpc.peer.id
}

output "prefix_list_id" {
  value = aws_ec2_managed_prefix_list.office.id
}

output "peering_id" {
  value = aws_vpc_peering_connection.peer.id
}

output "zones" {
  value = aws_subnet.zone[*].availability_zone
}
