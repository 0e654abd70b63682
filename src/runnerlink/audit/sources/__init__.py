"""Where the audit reads a network from: the running runnerlink (runnerlink.py), a Terraform plan or state as JSON
(terraform.py), any EC2/App Runner API through boto3 (aws.py). Each `load(...)` answers an AuditModel."""

from __future__ import annotations


class SourceError(ValueError):
    """A source could not be read at all (unreachable, credentials missing or refused, an answer that isn't a
    model): the CLI says so and exits non-zero, never with a traceback. A ValueError, as the CLI catches a source's
    bad input."""
