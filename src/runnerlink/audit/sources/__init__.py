"""Where an audit's model comes from: a running runnerlink, a Terraform plan or state, an AWS account."""
