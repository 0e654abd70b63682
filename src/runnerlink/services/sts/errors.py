"""STS's errors (query protocol): the codes and statuses STS answers with."""

from __future__ import annotations

from runnerlink.errors import ClientError


def sts_error(code: str, message: str, status: int = 400) -> ClientError:
    return ClientError(message, code=code, status=status)


def validation(message: str) -> ClientError:
    return sts_error("ValidationError", message)


def access_denied(caller: str, action: str, resource: str) -> ClientError:
    """A role that doesn't exist has no trust policy to allow the caller: answered as the edge answers a trust policy
    that doesn't, so a refusal doesn't tell whether the role exists."""
    return sts_error("AccessDenied", f"User: {caller} is not authorized to perform: {action} on resource: {resource} "
                                     f"because no resource-based policy allows the {action} action", 403)


def malformed_policy(message: str) -> ClientError:
    return sts_error("MalformedPolicyDocument", message)
