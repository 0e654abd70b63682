# Copied into every workspace by tests/e2e/test_terraform.py; the values come from TF_VAR_* environment variables.
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

# True while runnerlink has no STS: the provider then cannot learn the account id (see test_terraform.py).
variable "skip_requesting_account_id" {
  type    = bool
  default = true
}

provider "aws" {
  region     = "us-east-1"
  access_key = var.account_id # runnerlink maps a 12-digit access key id to that account
  secret_key = "test"

  # STS and the instance metadata service are not emulated (yet).
  skip_credentials_validation = true
  skip_requesting_account_id  = var.skip_requesting_account_id
  skip_metadata_api_check     = true
  max_retries                 = 2

  endpoints {
    apprunner = var.runnerlink_endpoint
    sts       = var.runnerlink_endpoint
  }

  default_tags {
    tags = {
      ManagedBy = "terraform"
    }
  }
}
