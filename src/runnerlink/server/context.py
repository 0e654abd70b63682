"""The request context the edge's steps read and enrich, one step after another."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from typing import Any

from botocore.model import OperationModel

from runnerlink.auth.sigv4 import Principal
from runnerlink.errors import AWSError
from runnerlink.services.base import ServicePackage
from runnerlink.wire.json_protocol import JsonProtocol


@dataclass
class RequestContext:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    received_at: float = field(default_factory=time.time)
    # filled by the steps
    protocol: Any = JsonProtocol  # until the request names its service, errors are answered in JSON
    package: ServicePackage | None = None
    operation: OperationModel | None = None
    region: str | None = None
    principal: Principal | None = None
    network: dict = field(default_factory=lambda: {"source": "internet"})
    params: dict | None = None
    output: dict | None = None
    error: AWSError | None = None
    status: int = 200
    response_body: bytes = b""
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
