# The update step: the API endpoint changes in place — a narrower policy, private DNS off, the second subnet removed
# (its endpoint network interface goes with it) and changed tags. One CreateTags/DeleteTags pair and one
# ModifyVpcEndpoint (PolicyDocument, PrivateDnsEnabled=false, RemoveSubnetId.1).
api_endpoint_actions      = ["apprunner:DescribeService", "apprunner:ListServices"]
api_endpoint_private_dns  = false
api_endpoint_subnet_count = 1
api_endpoint_tags         = { Name = "tf-apprunner-api", Stage = "prod" }
