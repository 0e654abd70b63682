"""EC2's tag rules (its wording for refused tags) and the tags a Create* request's TagSpecifications give."""

from __future__ import annotations

from runnerlink.services.common import TagRules, merge_tags
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue

TAG_RULES = TagRules(
    reserved=lambda key: InvalidParameterValue(f"Tag keys starting with 'aws:' are reserved for internal use: {key}"),
    too_many=lambda limit: EC2Error("TagLimitExceeded",
                                    f"The maximum number of tags ({limit}) for a resource has been exceeded."),
)


def tags_for(params: dict, resource_type: str) -> list[dict]:
    """The tags a Create* request's TagSpecifications give to the resource type it creates."""
    tags: list[dict] = []
    for spec in params.get("TagSpecifications") or []:
        kind = spec.get("ResourceType")
        if kind and kind != resource_type:
            raise InvalidParameterValue(f"'{kind}' is not a valid taggable resource type for this operation.")
        tags.extend(spec.get("Tags") or [])
    return merge_tags(tags, TAG_RULES)
