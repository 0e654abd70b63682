# The zone and region data sources a module starts from, and a VPC with a subnet in every zone they name.

data "aws_regions" "all" {
  all_regions = true
}

data "aws_regions" "opt_in" {
  all_regions = true
  filter {
    name   = "opt-in-status"
    values = ["not-opted-in"]
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_availability_zones" "all" {
  all_availability_zones = true
}

data "aws_availability_zone" "by_id" {
  zone_id = "use1-az4"
}

resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
}

resource "aws_subnet" "per_zone" {
  count                = length(data.aws_availability_zones.available.zone_ids)
  vpc_id               = aws_vpc.main.id
  cidr_block           = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone_id = data.aws_availability_zones.available.zone_ids[count.index]
}

output "regions" {
  value = sort(tolist(data.aws_regions.all.names))
}

output "opt_in_regions" {
  value = sort(tolist(data.aws_regions.opt_in.names))
}

output "zone_names" {
  value = data.aws_availability_zones.available.names
}

output "all_zone_names" {
  value = data.aws_availability_zones.all.names
}

output "by_id" {
  value = { name = data.aws_availability_zone.by_id.name, region = data.aws_availability_zone.by_id.region }
}

output "subnet_zones" {
  value = aws_subnet.per_zone[*].availability_zone
}
