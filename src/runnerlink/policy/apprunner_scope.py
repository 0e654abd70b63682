"""What an App Runner API request is authorized against: its IAM action, resource ARN(s) and service condition keys.

A pure function of (operation, params, region, account). Which resource types an action needs, their ARN templates
and which keys it carries come from the catalogue (generated from the Service Authorization Reference); only where
each value sits in App Runner's request shapes is written here.

Not filled here: `aws:ResourceTag/…` (the caller reads the stored resource's tags) and the global keys
(`aws:SourceVpce`, `aws:PrincipalArn` … belong to the edge).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from runnerlink.policy import catalogue
from runnerlink.policy.errors import PolicyError

SERVICE = "apprunner"

# The request member holding an existing resource's ARN, by resource type.
ARN_MEMBERS = {
    "service": "ServiceArn",
    "connection": "ConnectionArn",
    "autoscalingconfiguration": "AutoScalingConfigurationArn",
    "observabilityconfiguration": "ObservabilityConfigurationArn",
    "vpcconnector": "VpcConnectorArn",
    "vpcingressconnection": "VpcIngressConnectionArn",
    "webacl": "WebAclArn",
}
# The request member naming a resource that Create* is about to make, by resource type.
NAME_MEMBERS = {
    "service": "ServiceName",
    "connection": "ConnectionName",
    "autoscalingconfiguration": "AutoScalingConfigurationName",
    "observabilityconfiguration": "ObservabilityConfigurationName",
    "vpcconnector": "VpcConnectorName",
    "vpcingressconnection": "VpcIngressConnectionName",
}
# Where each App Runner condition key's value sits in the request.
KEY_PATHS = {
    "apprunner:AutoScalingConfigurationArn": ("AutoScalingConfigurationArn",),
    "apprunner:ConnectionArn": ("SourceConfiguration", "AuthenticationConfiguration", "ConnectionArn"),
    "apprunner:ObservabilityConfigurationArn": ("ObservabilityConfiguration", "ObservabilityConfigurationArn"),
    "apprunner:VpcConnectorArn": ("NetworkConfiguration", "EgressConfiguration", "VpcConnectorArn"),
    "apprunner:ServiceArn": ("ServiceArn",),
    "apprunner:VpcId": ("IngressVpcConfiguration", "VpcId"),
    "apprunner:VpcEndpointId": ("IngressVpcConfiguration", "VpcEndpointId"),
}
# An optional resource type of an action is referenced through the key carrying its ARN.
REFERENCE_KEYS = {
    "autoscalingconfiguration": "apprunner:AutoScalingConfigurationArn",
    "connection": "apprunner:ConnectionArn",
    "observabilityconfiguration": "apprunner:ObservabilityConfigurationArn",
    "vpcconnector": "apprunner:VpcConnectorArn",
}
_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"), ("us-iso-", "aws-iso"),
               ("eusc-", "aws-eusc"))
_TEMPLATE_VARIABLE = re.compile(r"\$\{[^}]+\}")


@dataclass(frozen=True)
class RequestScope:
    action: str                          # "apprunner:CreateService"
    resources: tuple[str, ...]           # the ARNs of the action's required resource types, or ("*",)
    referenced: tuple[str, ...] = ()     # ARNs of optional resource types the request names (CreateService's VPC
                                         # connector …); the SAR authorizes the action against these too
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def all_resources(self) -> tuple[str, ...]:
        return self.resources + self.referenced


def partition_of(region: str) -> str:
    return next((partition for prefix, partition in _PARTITIONS if region.startswith(prefix)), "aws")


def request_scope(operation: str, params: Mapping[str, Any], region: str, account: str) -> RequestScope:
    """The action, resources and condition keys of App Runner operation `operation` called with `params`.

    Create* requests are authorized before the resource's ID (and version) exist: against `…:service/NAME/*`.
    """
    info = catalogue.action(SERVICE, operation)
    context: dict[str, Any] = {}
    for key in info.condition_keys:
        if key in KEY_PATHS:
            value = _member(params, KEY_PATHS[key])
            if isinstance(value, str):
                context[key] = value
    context.update(_tag_keys(info.condition_keys, params))

    if "ResourceArn" in params and not info.required_types:   # the tagging operations: any taggable type
        resources: tuple[str, ...] = (str(params["ResourceArn"]),)
    elif info.required_types:
        resources = tuple(_resource(t, params, region, account) for t in info.required_types)
    else:
        resources = ("*",)
    referenced = tuple(context[REFERENCE_KEYS[t.name]] for t in info.resource_types
                       if not t.required and REFERENCE_KEYS.get(t.name) in context)
    return RequestScope(info.iam_action, resources, referenced, context)


def _member(params: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = params
    for name in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _resource(resource_type: catalogue.ResourceType, params: Mapping[str, Any], region: str, account: str) -> str:
    arn = params.get(ARN_MEMBERS.get(resource_type.name, ""))
    if isinstance(arn, str):
        return arn
    name = params.get(NAME_MEMBERS.get(resource_type.name, ""))
    if isinstance(name, str):
        return _new_resource_arn(resource_type.arn, name, region, account)
    return "*"


def _new_resource_arn(template: str, name: str, region: str, account: str) -> str:
    """The template with the name filled in and whatever follows it (version, ID) as `*`."""
    arn = (template.replace("${Partition}", partition_of(region)).replace("${Region}", region)
           .replace("${Account}", account))
    first = _TEMPLATE_VARIABLE.search(arn)
    if first is None:
        raise PolicyError(f"resource template {template} has no name to fill")
    return arn[: first.start()] + name + "/*"


def _tag_keys(keys: tuple[str, ...], params: Mapping[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    tags = params.get("Tags")
    if isinstance(tags, list):
        pairs = [(t.get("Key"), t.get("Value", "")) for t in tags if isinstance(t, Mapping)]
        if "aws:RequestTag/${TagKey}" in keys:
            context.update({f"aws:RequestTag/{k}": v for k, v in pairs if isinstance(k, str)})
        if "aws:TagKeys" in keys:
            context["aws:TagKeys"] = [k for k, _ in pairs if isinstance(k, str)]
    elif isinstance(params.get("TagKeys"), list) and "aws:TagKeys" in keys:
        context["aws:TagKeys"] = [k for k in params["TagKeys"] if isinstance(k, str)]
    return context
