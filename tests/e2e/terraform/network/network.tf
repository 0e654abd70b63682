# The network the App Runner documentation describes: a VPC with DNS support and hostnames, public and private
# subnets in two zones, an internet gateway, a NAT gateway (with its Elastic IP) in a public subnet, public and private
# route tables, and a security group allowing HTTPS from inside the VPC.
locals {
  cidr  = "10.20.0.0/16"
  zones = ["us-east-1a", "us-east-1b"]
}

resource "aws_vpc" "main" {
  cidr_block           = local.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = "tf-network" }
}

resource "aws_subnet" "public" {
  count = 2

  vpc_id                  = aws_vpc.main.id
  cidr_block              = cidrsubnet(local.cidr, 8, count.index)
  availability_zone       = local.zones[count.index]
  map_public_ip_on_launch = true

  tags = { Name = "tf-public-${count.index}" }
}

resource "aws_subnet" "private" {
  count = 2

  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(local.cidr, 8, 10 + count.index)
  availability_zone = local.zones[count.index]

  tags = { Name = "tf-private-${count.index}" }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id

  tags = { Name = "tf-igw" }
}

resource "aws_eip" "nat" {
  domain = "vpc"

  tags = { Name = "tf-nat" }

  depends_on = [aws_internet_gateway.main]
}

resource "aws_nat_gateway" "main" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public[0].id

  tags = { Name = "tf-nat" }

  depends_on = [aws_internet_gateway.main]
}

# Public: the default route inline (CreateRouteTable, then CreateRoute from the resource itself).
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }

  tags = { Name = "tf-public" }
}

# Private: the default route as a resource of its own (aws_route).
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id

  tags = { Name = "tf-private" }
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
  count = 2

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_security_group" "https" {
  name        = "tf-https"
  description = "HTTPS from inside the VPC"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "HTTPS from the VPC"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = [aws_vpc.main.cidr_block]
  }

  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = { Name = "tf-https" }
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "public_subnet_ids" {
  value = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  value = aws_subnet.private[*].id
}

output "igw_id" {
  value = aws_internet_gateway.main.id
}

output "eip_allocation_id" {
  value = aws_eip.nat.id
}

output "eip_public_ip" {
  value = aws_eip.nat.public_ip
}

output "nat_id" {
  value = aws_nat_gateway.main.id
}

output "public_route_table_id" {
  value = aws_route_table.public.id
}

output "private_route_table_id" {
  value = aws_route_table.private.id
}

output "security_group_id" {
  value = aws_security_group.https.id
}
