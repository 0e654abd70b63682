# A customer-managed prefix list (in-line entries) used by a route and by a security group's rules, the way
# Terraform modules share a set of CIDRs; plus a standalone entry resource on a second list.
variable "office_cidrs" {
  type = map(string)
  default = {
    "198.51.100.0/24" = "office"
    "203.0.113.0/28"  = "vpn"
  }
}

variable "max_entries" {
  type    = number
  default = 5
}

resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
  tags       = { Name = "tf-prefix-lists" }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_ec2_managed_prefix_list" "office" {
  name           = "tf-office"
  address_family = "IPv4"
  max_entries    = var.max_entries

  dynamic "entry" {
    for_each = var.office_cidrs
    content {
      cidr        = entry.key
      description = entry.value
    }
  }

  tags = { Name = "tf-office" }
}

resource "aws_route_table" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route" "office" {
  route_table_id             = aws_route_table.main.id
  destination_prefix_list_id = aws_ec2_managed_prefix_list.office.id
  gateway_id                 = aws_internet_gateway.main.id
}

resource "aws_security_group" "db" {
  name        = "tf-db"
  description = "postgres from the office"
  vpc_id      = aws_vpc.main.id

  ingress {
    description     = "postgres from the office"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    prefix_list_ids = [aws_ec2_managed_prefix_list.office.id]
  }
}

resource "aws_security_group_rule" "https_out" {
  type              = "egress"
  security_group_id = aws_security_group.db.id
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  prefix_list_ids   = [aws_ec2_managed_prefix_list.office.id]
}

resource "aws_ec2_managed_prefix_list" "partners" {
  name           = "tf-partners"
  address_family = "IPv4"
  max_entries    = 2
}

resource "aws_ec2_managed_prefix_list_entry" "partner" {
  prefix_list_id = aws_ec2_managed_prefix_list.partners.id
  cidr           = "192.0.2.0/24"
  description    = "partner"
}

output "prefix_list_id" {
  value = aws_ec2_managed_prefix_list.office.id
}

output "prefix_list_version" {
  value = aws_ec2_managed_prefix_list.office.version
}

output "partners_id" {
  value = aws_ec2_managed_prefix_list.partners.id
}

output "route_table_id" {
  value = aws_route_table.main.id
}

output "security_group_id" {
  value = aws_security_group.db.id
}
