"""Principals: who a request comes from, and the Principal / NotPrincipal element.

Both sides are reduced to identity keys. A request principal has several (its account, its
role for a session, the session itself); a Principal entry names one. AWS compares roles by
identity, so a role key is (account, role name) and ignores the path, which session ARNs lack.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

ANONYMOUS = frozenset({"", "*", "anonymous"})
_ACCOUNT = re.compile(r"^\d{12}$")
_ARN = re.compile(r"^arn:([^:]*):(iam|sts):([^:]*):(\d{12}|[^:]*):(.*)$", re.DOTALL)

WILDCARD = "*"
# Kinds of grant a matching Principal entry makes, strongest first (same-account resource policies).
DIRECT = 4  # the exact IAM user or session ARN: not limited by identity, boundary or session policies
# Everyone ("*"): it names the caller's own ARN as much as any entry can, so within the account it grants like
# DIRECT (IAM UG, *Policy evaluation logic*: resource-based policies and permissions boundaries). Kept apart from
# DIRECT because a role's trust policy lets an identity without permissions assume the role only when it names
# the exact user or session ARN.
EVERYONE = 3
PRINCIPAL = 2  # a role ARN: grants, but boundary and session policies still limit it
ACCOUNT = 1  # the account: only delegates to the account's own IAM policies


@dataclass(frozen=True, slots=True)
class Caller:
    """A request principal reduced to what policies can name."""

    arn: str
    account: str | None
    keys: frozenset[str]  # identity keys, see _entry_key
    context: tuple[tuple[str, str], ...]  # principal-derived global condition keys (lower-cased names)


@lru_cache(maxsize=4096)  # a Caller is immutable and callers repeat
def parse_caller(principal: str) -> Caller:
    if principal in ANONYMOUS:
        return Caller(principal, None, frozenset(), ())
    m = _ARN.match(principal)
    if not m:
        # A service principal (apprunner.amazonaws.com) or a federated provider name.
        return Caller(principal, None, frozenset({"service:" + principal, "federated:" + principal}), ())
    _, service, _, account, rest = m.groups()
    ctx: dict[str, str] = {"aws:principalaccount": account}
    keys = {"acct:" + account}
    if service == "iam" and rest == "root":
        ctx.update({"aws:principalarn": principal, "aws:principaltype": "Account", "aws:userid": account})
    elif service == "iam" and rest.startswith("user/"):
        ctx.update({"aws:principalarn": principal, "aws:principaltype": "User", "aws:username": rest.rsplit("/", 1)[1]})
        keys.add("user:" + principal)
    elif service == "iam" and rest.startswith("role/"):
        ctx.update({"aws:principalarn": principal, "aws:principaltype": "AssumedRole"})
        keys.add(f"role:{account}:{rest.rsplit('/', 1)[1]}")
    elif service == "sts" and rest.startswith("assumed-role/") and rest.count("/") >= 2:
        role = rest.split("/")[1]
        ctx.update({"aws:principalarn": f"arn:{m.group(1)}:iam::{account}:role/{role}", "aws:principaltype": "AssumedRole"})
        keys.update({f"role:{account}:{role}", "session:" + principal})
    elif service == "sts" and rest.startswith("federated-user/"):
        name = rest.split("/", 1)[1]
        ctx.update({"aws:principalarn": principal, "aws:principaltype": "FederatedUser", "aws:userid": f"{account}:{name}"})
        keys.add("session:" + principal)
    elif rest.startswith(("oidc-provider/", "saml-provider/")):
        return Caller(principal, account, frozenset({"federated:" + principal}), ())
    else:
        ctx["aws:principalarn"] = principal
        keys.add("other:" + principal)
    return Caller(principal, account, frozenset(keys), tuple(ctx.items()))


def _aws_entry(value: str) -> tuple[str, int]:
    if value == "*":
        return WILDCARD, EVERYONE
    if _ACCOUNT.match(value):
        return "acct:" + value, ACCOUNT
    m = _ARN.match(value)
    if m:
        _, service, _, account, rest = m.groups()
        if service == "iam" and rest == "root":
            return "acct:" + account, ACCOUNT
        if service == "iam" and rest.startswith("user/"):
            return "user:" + value, DIRECT
        if service == "iam" and rest.startswith("role/"):
            return f"role:{account}:{rest.rsplit('/', 1)[1]}", PRINCIPAL
        if service == "sts" and rest.startswith(("assumed-role/", "federated-user/")):
            return "session:" + value, DIRECT
    return "other:" + value, DIRECT


class PrincipalMatcher:
    """A Principal or NotPrincipal element: "*" or {"AWS"|"Service"|"Federated"|"CanonicalUser": str | [str]}."""

    __slots__ = ("entries", "everyone")

    def __init__(self, element: object) -> None:
        entries: dict[str, int] = {}
        if element == "*":
            entries[WILDCARD] = EVERYONE
        elif isinstance(element, dict):
            for kind, values in element.items():
                for value in values if isinstance(values, list) else [values]:
                    if not isinstance(value, str):
                        continue
                    if kind == "AWS":
                        key, grant = _aws_entry(value)
                    elif kind in ("Service", "Federated"):
                        key, grant = ("service:" if kind == "Service" else "federated:") + value, DIRECT
                        if value == "*":
                            key, grant = WILDCARD, EVERYONE
                    elif kind == "CanonicalUser":
                        key, grant = "canonical:" + value, DIRECT
                    else:
                        continue
                    entries[key] = max(grant, entries.get(key, 0))
        self.entries = entries
        self.everyone = WILDCARD in entries

    def grant(self, caller: Caller) -> int:
        """The strongest grant kind among entries naming the caller; 0 if none does."""
        best = EVERYONE if self.everyone else 0
        for key in caller.keys:
            got = self.entries.get(key)
            if got is not None and got > best:
                best = got
        return best

    def excludes(self, caller: Caller) -> bool:
        """NotPrincipal: the caller is excluded when any identity it holds is listed: its user or session ARN, its
        role (which stands for the role's sessions, as in Principal), or its account (which stands for every
        principal of the account, as in Principal). The IAM UG's advice to list the account along with a user or
        role is about AWS possibly judging the account first; listing the account here excludes it already."""
        if self.everyone:
            return True
        entries = self.entries
        for key in caller.keys:
            if key in entries:
                return True
        return False
