# Copied into every workspace by tests/e2e/terraform_harness.py; the values come from TF_VAR_* environment variables.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "runnerlink_endpoint" {
  type = string
}

variable "account_id" {
  type = string
}

# runnerlink answers sts:GetCallerIdentity, so the harness sets this to false (true only against a server without STS,
# when the provider could not learn the account id).
variable "skip_requesting_account_id" {
  type    = bool
  default = true
}

provider "aws" {
  region     = "us-east-1"
  access_key = var.account_id # runnerlink maps a 12-digit access key id to that account
  secret_key = "test"

  # The instance metadata service is not emulated; credentials need no validation.
  skip_credentials_validation = true
  skip_requesting_account_id  = var.skip_requesting_account_id
  skip_metadata_api_check     = true
  max_retries                 = 2

  # Every call stays local: IAM and STS are emulated too (the provider also learns its account from iam:GetUser).
  endpoints {
    apprunner = var.runnerlink_endpoint
    ec2       = var.runnerlink_endpoint
    iam       = var.runnerlink_endpoint
    sts       = var.runnerlink_endpoint
  }

  default_tags {
    tags = {
      ManagedBy = "terraform"
    }
  }
}
