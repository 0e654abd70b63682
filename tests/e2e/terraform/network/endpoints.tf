# Interface endpoints for App Runner: the API (private DNS, a read-only endpoint policy) and apprunner.requests (for
# the private service's ingress connection). updated.tfvars changes the API endpoint in place.
# No outputs of dns_entry or network_interface_ids: after an in-place update the provider keeps their planned (old)
# values in state until the next refresh, which would show as changed outputs in the next plan. The test reads them
# through boto3 instead.
variable "api_endpoint_actions" {
  type    = list(string)
  default = ["apprunner:List*", "apprunner:Describe*"]
}

variable "api_endpoint_private_dns" {
  type    = bool
  default = true
}

variable "api_endpoint_subnet_count" {
  type    = number
  default = 2
}

variable "api_endpoint_tags" {
  type    = map(string)
  default = { Name = "tf-apprunner-api", Access = "read-only" }
}

resource "aws_vpc_endpoint" "apprunner" {
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.us-east-1.apprunner"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = var.api_endpoint_private_dns
  subnet_ids          = slice(aws_subnet.private[*].id, 0, var.api_endpoint_subnet_count)
  security_group_ids  = [aws_security_group.https.id]

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ReadOnly"
      Effect    = "Allow"
      Principal = "*"
      Action    = var.api_endpoint_actions
      Resource  = "*"
    }]
  })

  tags = var.api_endpoint_tags
}

resource "aws_vpc_endpoint" "apprunner_requests" {
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.us-east-1.apprunner.requests"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = false
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.https.id]

  tags = { Name = "tf-apprunner-requests" }
}

output "api_endpoint_id" {
  value = aws_vpc_endpoint.apprunner.id
}

output "api_endpoint_state" {
  value = aws_vpc_endpoint.apprunner.state
}

output "requests_endpoint_id" {
  value = aws_vpc_endpoint.apprunner_requests.id
}
