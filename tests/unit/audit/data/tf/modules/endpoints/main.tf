# The VPC's endpoints: App Runner's API (interface, private DNS, a read-only policy) and S3 (gateway, in the given
# route tables).
variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "group_id" {
  type = string
}

variable "route_table_ids" {
  type = list(string)
}

resource "aws_vpc_endpoint" "apprunner" {
  vpc_id              = var.vpc_id
  service_name        = "com.amazonaws.us-east-1.apprunner"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = var.subnet_ids
  security_group_ids  = [var.group_id]

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = ["apprunner:List*", "apprunner:Describe*"]
      Resource  = "*"
    }]
  })
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = var.vpc_id
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.route_table_ids
}
