"""Managed policies: the account's own (kind iam_policy, keyed by ARN, versions inside) and AWS's (a read-only data
file, with the account's attachment count in kind iam_aws_policy_usage), looked up by ARN with AWS's wording."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from runnerlink.services.common import public
from runnerlink.services.iam.errors import invalid_input, no_such_entity
from runnerlink.services.iam.ids import AWS_MANAGED_ACCOUNT
from runnerlink.store import Transaction

POLICY = "iam_policy"
AWS_USAGE = "iam_aws_policy_usage"  # [Arn]: AttachmentCount, PermissionsBoundaryUsageCount of an AWS policy here
VERSION_LIMIT = 5
_ARN_PREFIX = "arn:aws:iam::"


@lru_cache(maxsize=1)
def aws_managed() -> dict[str, dict]:
    """ARN → the AWS managed policy as stored (its document as its only version, v1)."""
    text = resources.files("runnerlink.services.iam").joinpath("data", "aws_managed_policies.json").read_text("utf-8")
    policies = {}
    for entry in json.loads(text)["policies"]:
        arn = f"{_ARN_PREFIX}{AWS_MANAGED_ACCOUNT}:policy{entry['Path']}{entry['PolicyName']}"
        record = {k: v for k, v in entry.items() if k != "Document"}
        record.update(Arn=arn, AttachmentCount=0, PermissionsBoundaryUsageCount=0, Tags=[],
                      _versions=[{"VersionId": entry["DefaultVersionId"], "Document": entry["Document"],
                                  "IsDefaultVersion": True, "CreateDate": entry["CreateDate"]}])
        policies[arn] = record
    return policies


def is_aws_managed(arn: str) -> bool:
    return arn.startswith(f"{_ARN_PREFIX}{AWS_MANAGED_ACCOUNT}:")


def check_arn(arn: str) -> None:
    """AWS's InvalidInput for a string that is no IAM policy ARN at all."""
    if not arn.startswith(_ARN_PREFIX) or ":policy/" not in arn:
        raise invalid_input(f"ARN {arn} is not valid.")


def not_found(arn: str):
    return no_such_entity(f"Policy {arn} does not exist or is not attachable.")


def find(tx: Transaction, arn: str) -> dict | None:
    """The policy record (an AWS one with this account's counts), or None."""
    if is_aws_managed(arn):
        base = aws_managed().get(arn)
        if base is None:
            return None
        usage = tx.get(AWS_USAGE, arn) or {}
        return {**base, "AttachmentCount": usage.get("AttachmentCount", 0),
                "PermissionsBoundaryUsageCount": usage.get("PermissionsBoundaryUsageCount", 0)}
    return tx.get(POLICY, arn)


def get(tx: Transaction, arn: str) -> dict:
    check_arn(arn)
    record = find(tx, arn)
    if record is None:
        raise not_found(arn)
    return record


def get_own(tx: Transaction, arn: str) -> dict:
    """A customer managed policy, for the operations AWS's own policies refuse (they are not the account's)."""
    record = get(tx, arn)
    if is_aws_managed(arn):
        raise not_found(arn)  # what changing an AWS managed policy answers (AccessDenied on AWS; see the report)
    return record


def all_policies(tx: Transaction) -> list[dict]:
    return [find(tx, arn) for arn in aws_managed()] + tx.scan(POLICY)


def save(tx: Transaction, record: dict) -> None:
    if is_aws_managed(record["Arn"]):
        tx.put(AWS_USAGE, record["Arn"], {"Arn": record["Arn"], "AttachmentCount": record["AttachmentCount"],
                                          "PermissionsBoundaryUsageCount": record["PermissionsBoundaryUsageCount"]})
    else:
        tx.put(POLICY, record["Arn"], record)


def count(tx: Transaction, arn: str, field: str, delta: int) -> None:
    """Add delta to a policy's AttachmentCount or PermissionsBoundaryUsageCount (no-op for a policy gone)."""
    record = find(tx, arn)
    if record is not None:
        record[field] = max(0, record.get(field, 0) + delta)
        save(tx, record)


def default_version(record: dict) -> dict:
    return next(v for v in record["_versions"] if v["IsDefaultVersion"])


def get_version(record: dict, version_id: str) -> dict:
    version = next((v for v in record["_versions"] if v["VersionId"] == version_id), None)
    if version is None:
        raise no_such_entity(f"Policy {record['Arn']} version {version_id} does not exist or is not attachable.")
    return version


def view(record: dict) -> dict:
    """The Policy shape (GetPolicy, ListPolicies, CreatePolicy): tags only where there are some."""
    shown = public(record)
    if not shown.get("Tags"):
        shown.pop("Tags", None)
    return shown
