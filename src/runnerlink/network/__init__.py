"""The VPC network model (pure: no I/O): DNS views, route lookup, security groups, path finding."""

from runnerlink.network.dns import Resolution, app_host, aws_host, public_address
from runnerlink.network.model import (
    Endpoint,
    Interface,
    InternetGateway,
    NatGateway,
    Peering,
    PrefixList,
    PrivateName,
    Route,
    RouteTable,
    Rule,
    SecurityGroup,
    Subnet,
    Topology,
    Vpc,
    Workload,
)
from runnerlink.network.path import Hop, Path, find_path, resolve

__all__ = [
    "Endpoint", "Hop", "Interface", "InternetGateway", "NatGateway", "Path", "Peering", "PrefixList", "PrivateName",
    "Resolution", "Route", "RouteTable",
    "Rule", "SecurityGroup", "Subnet", "Topology", "Vpc", "Workload", "app_host", "aws_host", "find_path",
    "public_address",
    "resolve",
]
