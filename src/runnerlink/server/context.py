"""The request context the edge's steps read and enrich, one step after another."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from random import getrandbits
from typing import Any

from botocore.model import OperationModel

from runnerlink.auth.identity import Principal
from runnerlink.auth.sigv4 import Credential
from runnerlink.errors import AWSError
from runnerlink.network.context import DIRECT, NetworkContext
from runnerlink.services.base import ServicePackage
from runnerlink.wire.json_protocol import JsonProtocol


_UUID4_CLEAR = ~((0xF << 76) | (0x3 << 62))
_UUID4_SET = (0x4 << 76) | (0x2 << 62)  # version 4, RFC 4122 variant


def new_request_id() -> str:
    """A random (version 4) UUID in its usual text form, as str(uuid.uuid4()) gives. Request ids need to be unique,
    not unguessable: random's generator (seeded from the OS, reseeded in forked children) spares a system call."""
    text = f"{getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


@dataclass
class RequestContext:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    network: NetworkContext = DIRECT
    # The request target as received (percent-encoded path, query string), which SigV4 signed; None: rebuilt from
    # path and query (contexts built in tests).
    raw_path: str | None = None
    raw_query: str | None = None
    request_id: str = field(default_factory=lambda: new_request_id())
    received_at: float = field(default_factory=time.time)
    # filled by the steps
    protocol: Any = JsonProtocol  # until the request names its service, errors are answered in JSON
    package: ServicePackage | None = None
    operation: OperationModel | None = None
    admin_action: str | None = None  # a runnerlink action (POST /_runnerlink/…) instead of an AWS operation
    unemulated: str | None = None  # the AWS service a gateway request was for, when runnerlink doesn't emulate it
    credential: Credential | AWSError | None = None  # the SigV4 scope, parsed once (or why it can't be)
    account: str | None = None  # the scope it acts in: its principal's account, or a runnerlink action's
    region: str | None = None
    principal: Principal | None = None
    params: dict | None = None
    output: dict | None = None
    error: AWSError | None = None
    status: int = 200
    response_body: bytes = b""
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    # the edge's read cache: whether dispatch answered from it, or what serialize should keep in it
    from_cache: bool = False
    cache_fill: tuple | None = None  # (key, store generation, valid until)
    # the authorize step's verdict and the global condition keys it used, for the traffic log
    decision: dict | None = None
    condition_keys: dict | None = None

    @property
    def operation_name(self) -> str | None:
        return self.operation.name if self.operation is not None else self.admin_action
