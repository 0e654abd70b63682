"""Placeholder until the records floor lands."""
from runnerlink.services.ec2.vpcs import ensure_default_vpc  # noqa: F401
