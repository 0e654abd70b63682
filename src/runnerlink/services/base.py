"""What every handler receives, and the shape of a service package."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from runnerlink.store import Transaction
from runnerlink.wire.routing import ServiceSpec


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
    extra: dict = field(default_factory=dict)  # network context and the like, for later steps


Handler = Callable[[HandlerContext, dict], dict]


@dataclass(frozen=True)
class ServicePackage:
    spec: ServiceSpec
    handlers: dict[str, Handler]
    read_only: frozenset[str]  # operations that need no write transaction
    admin: dict[str, Handler] = field(default_factory=dict)  # POST /_runnerlink/<service>/<action>
