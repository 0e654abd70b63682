"""How STS requests are authorized and refused: a role's ARN is the resource of the calls that name one, with
AssumeRole's condition keys; GetCallerIdentity is answered without authorization, as on AWS (even an explicit deny
doesn't stop it)."""

from __future__ import annotations

from runnerlink.services.base import Authorization, Denial
from runnerlink.wire.models import operation_names

DENIAL = Denial(code="AccessDenied", status=403)
UNAUTHORIZED = frozenset({"GetCallerIdentity"})


def _assume_role_context(params: dict) -> dict:
    """sts:ExternalId, sts:RoleSessionName, sts:SourceIdentity, sts:TransitiveTagKeys, aws:RequestTag/…,
    aws:TagKeys, as the STS service authorization reference defines them."""
    context: dict = {"sts:RoleSessionName": params.get("RoleSessionName")}
    if params.get("ExternalId") is not None:
        context["sts:ExternalId"] = params["ExternalId"]
    if params.get("SourceIdentity") is not None:
        context["sts:SourceIdentity"] = params["SourceIdentity"]
    tags = params.get("Tags") or []
    if tags:
        for tag in tags:
            context[f"aws:RequestTag/{tag['Key']}"] = tag.get("Value", "")
        context["aws:TagKeys"] = [tag["Key"] for tag in tags]
    if params.get("TransitiveTagKeys"):
        context["sts:TransitiveTagKeys"] = list(params["TransitiveTagKeys"])
    return context


def authorize(operation: str, params: dict, region: str, account: str) -> Authorization | None:
    """KeyError for an operation STS doesn't have."""
    if operation not in operation_names("sts"):
        raise KeyError(operation)
    if operation in UNAUTHORIZED:
        return None
    if operation == "AssumeRole":
        also = (("sts:TagSession",) if params.get("Tags") else ()) + (
            ("sts:SetSourceIdentity",) if params.get("SourceIdentity") else ())
        role = params.get("RoleArn")
        return Authorization("sts:AssumeRole", (role,) if isinstance(role, str) else ("*",),
                             _assume_role_context(params), also)
    role = params.get("RoleArn")
    return Authorization(f"sts:{operation}", (role,) if isinstance(role, str) else ("*",))
