"""The request being authorized, with its condition context normalized once."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .principals import Caller, parse_caller


def _scalar(value: Any) -> str | bytes:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, str)):
        return value
    return str(value)


def normalize_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """Lower-cased key names; scalars as str (bytes kept for Binary); multi-valued keys as tuples.
    A key whose value is None is absent."""
    out: dict[str, Any] = {}
    for key, value in context.items():
        if type(value) is str:  # the common case first
            out[key.lower()] = value
        elif value is None:
            continue
        elif isinstance(value, (list, tuple, set, frozenset)):
            out[key.lower()] = tuple(_scalar(v) for v in value if v is not None)
        else:
            out[key.lower()] = _scalar(value)
    return out


@dataclass(frozen=True, slots=True)
class Request:
    principal: str
    action: str
    resource: str = "*"
    resource_account: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # Derived once, for evaluation:
    action_lc: str = field(init=False, repr=False, compare=False, hash=False)
    caller: Caller = field(init=False, repr=False, compare=False, hash=False)
    ctx: Mapping[str, Any] = field(init=False, repr=False, compare=False, hash=False)
    same_account: bool = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        caller = parse_caller(self.principal)
        ctx = dict(caller.context)  # principal-derived keys, unless the context gives them
        if self.context:
            ctx.update(normalize_context(self.context))
        setattr_ = object.__setattr__
        setattr_(self, "action_lc", self.action.lower())
        setattr_(self, "caller", caller)
        setattr_(self, "ctx", ctx)  # internal; a plain dict is the fastest to read
        setattr_(self, "same_account", _same_account(caller.account, self.resource_account, self.resource))


_ARN_ACCOUNTS: dict[str, str | None] = {}


def _arn_account(resource: str) -> str | None:
    got = _ARN_ACCOUNTS.get(resource, False)
    if got is False:
        parts = resource.split(":", 5)
        got = parts[4] if len(parts) == 6 and parts[4] else None
        if len(_ARN_ACCOUNTS) >= 4096:
            _ARN_ACCOUNTS.clear()
        _ARN_ACCOUNTS[resource] = got
    return got


def _same_account(principal_account: str | None, resource_account: str | None, resource: str) -> bool:
    if resource_account is None:
        resource_account = _arn_account(resource)
    if resource_account is None:
        return True  # nothing says otherwise ("*", or an ARN without an account such as S3's)
    return principal_account == resource_account
