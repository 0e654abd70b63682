"""EC2's default VPC quotas (Service Quotas, adjustable on AWS; here the VPCs per region through the server's
settings, `configure`) and the errors AWS answers at them."""

from __future__ import annotations

from runnerlink.services.ec2.errors import EC2Error

VPCS_PER_REGION = 5  # the default VPC counts
SUBNETS_PER_VPC = 200
GROUPS_PER_INTERFACE = 5


_vpcs_per_region = VPCS_PER_REGION


def configure(vpcs_per_region: int) -> None:
    """The VPCs-per-region quota of this server process (`--vpc-quota`), as a raised Service Quota would be."""
    global _vpcs_per_region
    _vpcs_per_region = vpcs_per_region


def check_vpcs(existing: int) -> None:
    """Before one more VPC in the account/region."""
    if existing >= _vpcs_per_region:
        raise EC2Error("VpcLimitExceeded", "The maximum number of VPCs has been reached.")


def check_subnets(existing: int) -> None:
    """Before one more subnet in a VPC."""
    if existing >= SUBNETS_PER_VPC:
        raise EC2Error("SubnetLimitExceeded", "The maximum number of subnets has been reached.")


def check_groups(count: int) -> None:
    """A network interface's security groups, once repeats are dropped."""
    if count > GROUPS_PER_INTERFACE:
        raise EC2Error("SecurityGroupsPerInterfaceLimitExceeded",
                       "The maximum number of security groups per interface has been reached.")
