"""App Runner's store kinds: a record is the API-shaped dict, plus internal fields whose names start with "_"."""

from __future__ import annotations

SERVICE = "service"
OPERATION = "operation"
AUTO_SCALING = "autoscalingconfiguration"
OBSERVABILITY = "observabilityconfiguration"
CONNECTION = "connection"
VPC_CONNECTOR = "vpcconnector"
INGRESS = "vpcingressconnection"
CUSTOM_DOMAIN = "customdomain"

# The resource type in an ARN is the store kind, for every taggable resource.
TAGGABLE = (SERVICE, AUTO_SCALING, OBSERVABILITY, CONNECTION, VPC_CONNECTOR, INGRESS)

