"""What every handler receives, the one way to give it that, and what a service package declares to the edge."""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Protocol

from runnerlink.auth.identity import Principal

from runnerlink.network.context import DIRECT, NetworkContext
from runnerlink.store import Store, StoreConflict, Transaction
from runnerlink.wire.routing import ServiceSpec


# Why this server can't run a service's application (its stored record in hand), or None when it can. Given to
# handlers only by a server that runs applications (runnerlink serve); without it, lifecycles are the clock's alone.
RunCheck = Callable[[dict], "str | None"]


@dataclass
class HandlerContext:
    """The request as a handler sees it: who, where, when, and the open store transaction."""

    account: str
    region: str
    now: float  # epoch seconds, fixed for the whole request
    tx: Transaction
    lifecycle_delay: float  # seconds an asynchronous operation takes
    request_id: str
    principal_arn: str
    network: NetworkContext = DIRECT
    # The earliest future instant at which something this request derived from the clock changes (math.inf: none).
    # The edge's read cache and the gateway's path cache keep what they derived until then.
    changes_at: float = math.inf
    run_check: RunCheck | None = None
    principal: Principal | None = None  # the caller as authenticated (its session, access key); None: root

    def note_change(self, at: float) -> None:
        """Note that the answer depends on whether ctx.now has reached `at`: it may change then."""
        if self.now < at < self.changes_at:
            self.changes_at = at


Handler = Callable[[HandlerContext, dict], dict]


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


@contextmanager
def open_context(store: Store, account: str, region: str, *, write: bool, lifecycle_delay: float,
                 request_id: str = "", principal_arn: str | None = None, now: float | None = None,
                 network: NetworkContext = DIRECT, run_check: RunCheck | None = None,
                 principal: Principal | None = None) -> Iterator[HandlerContext]:
    """A handler context inside one store transaction of the account and region: committed when the block ends,
    rolled back if it raises. Every caller of a handler or a record lookup (the edge, the gateway, admin actions)
    goes through here or run_handler; a lookup made for no request in particular (the gateway's path decisions) has
    no request id."""
    with store.transaction(f"{account}/{region}", write=write) as tx:
        yield _context(tx, account, region, lifecycle_delay, request_id, principal_arn, now, network, run_check,
                       principal)


def _context(tx: Transaction, account: str, region: str, lifecycle_delay: float, request_id: str = "",
             principal_arn: str | None = None, now: float | None = None, network: NetworkContext = DIRECT,
             run_check: RunCheck | None = None, principal: Principal | None = None) -> HandlerContext:
    return HandlerContext(account=account, region=region, now=time.time() if now is None else now, tx=tx,
                          lifecycle_delay=lifecycle_delay, request_id=request_id,
                          principal_arn=principal_arn or root_arn(account), network=network, run_check=run_check,
                          principal=principal)


def run_handler(store: Store, handler: Callable[[HandlerContext], Any], account: str, region: str, *, write: bool,
                **context: Any) -> tuple[Any, HandlerContext]:
    """handler(ctx) inside one store transaction, as open_context gives it; (its result, the context). A read that
    had to seed defaults while another process wrote, or that the store's cache could not serve from one state
    (StoreConflict), runs again holding the write lock."""
    scope = f"{account}/{region}"
    try:
        with store.transaction(scope, write=write) as tx:
            ctx = _context(tx, account, region, **context)
            return handler(ctx), ctx
    except StoreConflict:
        if write:
            raise
        with store.transaction(scope, write=True) as tx:
            ctx = _context(tx, account, region, **context)
            return handler(ctx), ctx


@dataclass(frozen=True)
class Authorization:
    """What IAM judges a request as: the action, the resources it acts on, the service's condition keys."""

    action: str
    resources: tuple[str, ...] = ("*",)
    context: Mapping[str, Any] = field(default_factory=dict)
    # Further actions the same request needs on the same resources (sts:TagSession for an AssumeRole with tags).
    also: tuple[str, ...] = ()


# (operation, input, region, account) → its Authorization, or None for an operation AWS answers without authorizing
# it (even an explicit deny doesn't stop it). Raises KeyError for an operation the service doesn't know.
Authorize = Callable[[str, dict, str, str], "Authorization | None"]


@dataclass(frozen=True)
class Denial:
    """How a service words a refused request: its error code and status, a prefix before AWS's common sentence, and
    whether the sentence names the resource when it is "*"."""

    code: str
    status: int
    prefix: str = ""
    names_any_resource: bool = True


def handler_tables(modules: tuple) -> tuple[dict[str, Handler], frozenset[str]]:
    """The handlers and read-only operations of a package made of operation modules, each exporting HANDLERS and
    READ_ONLY."""
    handlers: dict[str, Handler] = {}
    read_only: set[str] = set()
    for module in modules:
        handlers.update(module.HANDLERS)
        read_only.update(module.READ_ONLY)
    return handlers, frozenset(read_only)


GLOBAL_REGION = "global"  # the scope region of global services' records: "<account>/global"


@dataclass(frozen=True)
class PrincipalPolicies:
    """The policies that judge a principal's requests, as (name, document) pairs; names go into matched statements."""

    identity: tuple[tuple[str, str], ...] = ()  # the user's and its groups', or the role's: inline and attached
    boundary: tuple[str, str] | None = None  # the user's or role's permissions boundary
    session: tuple[tuple[str, str], ...] = ()  # a session's policies (inline and PolicyArns); they allow together
    tags: Mapping[str, str] = field(default_factory=dict)  # aws:PrincipalTag/…: the entity's tags, session tags over


class IdentitySource(Protocol):
    """What the edge asks of the identity store. Both read in the transaction of scope "<account>/global"."""

    def resolve(self, tx: Transaction, access_key: str) -> "Principal | None":
        """The principal of an access key the account's IAM or STS issued (expired or inactive ones too), or None."""

    def policies(self, tx: Transaction, principal: "Principal") -> PrincipalPolicies:
        """The policies of a user, role session or federated user (root has none: it is allowed everything)."""


@dataclass(frozen=True)
class ServicePackage:
    spec: ServiceSpec
    handlers: dict[str, Handler]
    # Operations that need no write transaction. The edge may answer them from its read cache, so their answer must
    # depend only on the account, region, input, stored data, and the clock through HandlerContext.note_change.
    read_only: frozenset[str]
    authorize: Authorize
    denial: Denial
    # POST /_runnerlink/<service>/<action>: runnerlink's stand-ins for what AWS does out of band, and its own tools.
    admin: dict[str, Handler] = field(default_factory=dict)
    # A stored resource's tags by ARN, for aws:ResourceTag (None: the service keeps no tags policies test).
    resource_tags: Callable[[HandlerContext, str], dict[str, str]] | None = None
    # The resource-based policy that judges a request with the identity policies (a role's trust policy for
    # sts:AssumeRole): (operation, input) → its document, or None (the service has none for it).
    resource_policy: Callable[[HandlerContext, str, dict], str | None] | None = None
    # The store scope's region for every request to the service: IAM is global, one store per account, and STS's
    # sessions live there too. None: the request's own region.
    scope_region: str | None = None
    # Set by the package that owns identities (IAM): access key → principal, and a principal's policies.
    identity: "IdentitySource | None" = None

    @property
    def name(self) -> str:
        return self.spec.model_name
