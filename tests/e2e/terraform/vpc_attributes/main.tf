# Issue 9: a VPC with every attribute Terraform sets, a secondary IPv4 block, an Amazon-provided IPv6 /56, custom
# DHCP options, a dual-stack subnet in the secondary block and a subnet CIDR reservation.

resource "aws_vpc" "main" {
  cidr_block                           = "10.30.0.0/16"
  assign_generated_ipv6_cidr_block     = true
  enable_dns_support                   = true
  enable_dns_hostnames                 = true
  enable_network_address_usage_metrics = true
  tags = {
    Name = "tf-vpc-attributes"
  }
}

resource "aws_vpc_ipv4_cidr_block_association" "secondary" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.31.0.0/16"
}

resource "aws_vpc_dhcp_options" "corp" {
  domain_name          = "corp.example"
  domain_name_servers  = ["10.30.0.2", "AmazonProvidedDNS"]
  ntp_servers          = ["169.254.169.123"]
  netbios_name_servers = ["10.30.0.3"]
  netbios_node_type    = "2"
  tags = {
    Name = "tf-corp"
  }
}

resource "aws_vpc_dhcp_options_association" "corp" {
  vpc_id          = aws_vpc.main.id
  dhcp_options_id = aws_vpc_dhcp_options.corp.id
}

resource "aws_subnet" "dual_stack" {
  vpc_id                                         = aws_vpc_ipv4_cidr_block_association.secondary.vpc_id
  cidr_block                                     = "10.31.1.0/24"
  ipv6_cidr_block                                = cidrsubnet(aws_vpc.main.ipv6_cidr_block, 8, 1)
  availability_zone                              = "us-east-1a"
  assign_ipv6_address_on_creation                = true
  map_public_ip_on_launch                        = true
  enable_dns64                                   = true
  private_dns_hostname_type_on_launch            = "resource-name"
  enable_resource_name_dns_a_record_on_launch    = true
  enable_resource_name_dns_aaaa_record_on_launch = true
  tags = {
    Name = "tf-dual-stack"
  }
}

resource "aws_ec2_subnet_cidr_reservation" "explicit" {
  subnet_id        = aws_subnet.dual_stack.id
  cidr_block       = "10.31.1.16/28"
  reservation_type = "explicit"
  description      = "kept for appliances"
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "ipv6_block" {
  value = aws_vpc.main.ipv6_cidr_block
}

output "secondary_association_id" {
  value = aws_vpc_ipv4_cidr_block_association.secondary.id
}

output "dhcp_options_id" {
  value = aws_vpc_dhcp_options.corp.id
}

output "subnet_id" {
  value = aws_subnet.dual_stack.id
}

output "subnet_ipv6_block" {
  value = aws_subnet.dual_stack.ipv6_cidr_block
}

output "reservation_id" {
  value = aws_ec2_subnet_cidr_reservation.explicit.id
}
