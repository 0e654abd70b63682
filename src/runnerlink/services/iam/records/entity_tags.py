"""Tags of IAM entities (users, roles, managed policies, instance profiles): AWS's rules and errors, shared by create and
Tag*/Untag*."""

from __future__ import annotations

from runnerlink.services.iam.errors import IAMError, invalid_input

TAG_LIMIT = 50


def checked(tags: list[dict] | None) -> list[dict]:
    """Request tags as IAM takes them: keys are unique case-insensitively, aws: keys are reserved."""
    seen: set[str] = set()
    out: list[dict] = []
    for tag in tags or []:
        key = tag.get("Key", "")
        if key.lower().startswith("aws:"):
            raise invalid_input("User is not authorized to perform: create/update tags with 'aws:' prefix.")
        if key.lower() in seen:
            raise invalid_input("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        seen.add(key.lower())
        out.append({"Key": key, "Value": tag.get("Value", "")})
    return out


def merged(current: list[dict], new: list[dict], what: str) -> list[dict]:
    """current with new set over it: a key matching case-insensitively keeps its place and takes the new key and
    value, others are added at the end; at most 50."""
    incoming = {tag["Key"].lower(): tag for tag in checked(new)}
    tags = [incoming.pop(tag["Key"].lower(), tag) for tag in current] + list(incoming.values())
    if len(tags) > TAG_LIMIT:
        raise IAMError("LimitExceeded", f"The number of tags has reached the maximum limit of {TAG_LIMIT} for "
                       f"{what}.", 409)
    return tags


def without(current: list[dict], keys: list[str]) -> list[dict]:
    gone = {key.lower() for key in keys}
    return [tag for tag in current if tag["Key"].lower() not in gone]


def too_many_on_create(tags: list[dict]) -> None:
    if len(tags) > TAG_LIMIT:
        raise IAMError("LimitExceeded", f"Cannot exceed quota for TagsPerResource: {TAG_LIMIT}", 409)
