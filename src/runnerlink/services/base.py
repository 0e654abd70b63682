"""What every handler receives, and the shape of a service package."""

from __future__ import annotations

import math
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
    # The earliest future instant at which something this request derived from the clock changes (math.inf: none).
    # The edge's read cache keeps a rendered answer until then.
    changes_at: float = math.inf

    def note_change(self, at: float) -> None:
        """Note that the answer depends on whether ctx.now has reached `at`: it may change then."""
        if self.now < at < self.changes_at:
            self.changes_at = at


Handler = Callable[[HandlerContext, dict], dict]


@dataclass(frozen=True)
class ServicePackage:
    spec: ServiceSpec
    handlers: dict[str, Handler]
    # Operations that need no write transaction. The edge may answer them from its read cache, so their answer must
    # depend only on the account, region, input, stored data, and the clock through HandlerContext.note_change.
    read_only: frozenset[str]
    admin: dict[str, Handler] = field(default_factory=dict)  # POST /_runnerlink/<service>/<action>
