"""Policy documents in and out: checked by the policy engine with AWS's messages, URL-encoded in answers as IAM
returns them (botocore decodes every policyDocumentType member back into JSON; Terraform unescapes them itself)."""

from __future__ import annotations

from urllib.parse import quote

from runnerlink.policy import validate
from runnerlink.services.iam.errors import IAMError, limit_exceeded, malformed_policy

_LIMIT_PREFIXES = ("Maximum policy size of", "Cannot exceed quota for PolicySize")


def encoded(text: str) -> str:
    """A stored document as IAM answers it: percent-encoded UTF-8 (RFC 3986 unreserved characters kept)."""
    return quote(text, safe="")


def check(text: str, policy_type: str = "identity", *, entity: str | None = None, name: str | None = None) -> None:
    """Raise the error AWS answers for the first problem of the document (none: it is valid)."""
    messages = validate(text, policy_type, entity=entity, name=name)
    if not messages:
        return
    first = messages[0]
    if first.startswith(_LIMIT_PREFIXES):
        raise limit_exceeded(first)
    if first.startswith("1 validation error detected"):
        raise IAMError("ValidationError", first, 400)
    raise malformed_policy(first)
