"""The container credentials endpoint of running applications: GET /_runnerlink/credentials on the edge.

An application whose service has an InstanceRoleArn runs with AWS_CONTAINER_CREDENTIALS_FULL_URI (this endpoint on
the loopback address, which the SDKs accept over plain http and which NO_PROXY keeps off the subnet gateway) and
AWS_CONTAINER_AUTHORIZATION_TOKEN (a secret of that instance's). The SDKs' container provider (botocore's
ContainerProvider, the JS and Go SDKs' alike) sends the token as the Authorization header and reads
{AccessKeyId, SecretAccessKey, Token, Expiration (ISO 8601)}; it fetches again before Expiration.

Each answer is a session of the instance role minted through IAM (services/apprunner/instance_role.py), kept while
more than REFRESH_BEFORE of it remains (botocore refreshes 15 minutes before expiry, so it never gets a session it
would refresh at once) and minted anew after that. Tokens live in this server's memory and end with their instance
(stopped, replaced, paused) or their service (deleted); a restarted server starts its instances with new ones.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Mapping

from runnerlink.services.apprunner.instance_role import (
    IdentityLoader, RoleRefused, assume_instance_role, iam_identity,
)
from runnerlink.services.base import GLOBAL_REGION
from runnerlink.store import Store

log = logging.getLogger("runnerlink.edge")
PATH = "credentials"  # under /_runnerlink/
FULL_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
AUTHORIZATION_TOKEN = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
VARIABLES = (FULL_URI, AUTHORIZATION_TOKEN)
REFRESH_BEFORE = 20 * 60.0  # seconds before Expiration a new session is minted


@dataclass
class _Grant:
    service_arn: str
    service_name: str
    account: str
    role_arn: str
    session_name: str
    current: dict | None = None  # the last answer, while it is fresh enough
    refused: str | None = None  # the last refusal's reason (said once in the service's log, not per retry)


class InstanceCredentials:
    def __init__(self, store: Store, edge_url: str, identity: IdentityLoader = iam_identity,
                 clock: Callable[[], float] = time.time, on_refused: Callable[[str, str], None] | None = None):
        """edge_url: how an application on this host reaches the edge (http://127.0.0.1:PORT). on_refused(service
        ARN, reason) hears of each refusal (the service's log says it)."""
        self.store = store
        self.uri = f"{edge_url.rstrip('/')}/_runnerlink/{PATH}"
        self._identity = identity
        self._clock = clock
        self._on_refused = on_refused
        self._lock = threading.Lock()
        self._grants: dict[str, _Grant] = {}  # token → what it may fetch

    def grant(self, service: dict) -> dict[str, str]:
        """The variables an instance of the service starts with: none without an instance role, else the endpoint
        and a token of the instance's own."""
        role_arn = (service.get("InstanceConfiguration") or {}).get("InstanceRoleArn")
        if not role_arn:
            return {}
        token = secrets.token_urlsafe(32)
        account = service["ServiceArn"].split(":")[4]
        with self._lock:
            self._grants[token] = _Grant(service["ServiceArn"], service["ServiceName"], account, role_arn,
                                         session_name=service["ServiceId"])
        return {FULL_URI: self.uri, AUTHORIZATION_TOKEN: token}

    def forget(self, environment: Mapping[str, str]) -> None:
        """The instance given this environment (grant's answer) has stopped: its token fetches nothing more."""
        token = environment.get(AUTHORIZATION_TOKEN)
        if token:
            with self._lock:
                self._grants.pop(token, None)

    def revoke(self, service_arn: str) -> None:
        """The service is deleted: its instances' tokens fetch nothing more."""
        with self._lock:
            for token in [t for t, g in self._grants.items() if g.service_arn == service_arn]:
                del self._grants[token]

    def answer(self, authorization: str | None) -> tuple[int, dict]:
        """(status, JSON body) of a GET to the endpoint with this Authorization header."""
        grant = self._find(authorization or "")
        if grant is None:
            return 401, {"code": "InvalidToken", "message": "The Authorization header does not carry the "
                         "AWS_CONTAINER_AUTHORIZATION_TOKEN of a running App Runner instance."}
        now = self._clock()
        with self._lock:
            current = grant.current
        if current is not None and current["_expires"] - now > REFRESH_BEFORE:
            return 200, _public(current)
        try:
            session = self._mint(grant, now)
        except RoleRefused as refusal:
            with self._lock:
                said, grant.refused = grant.refused, str(refusal)
            if self._on_refused is not None and said != str(refusal):
                self._on_refused(grant.service_arn, str(refusal))
            return 403, {"code": "AssumeRoleUnauthorizedAccess", "message": str(refusal)}
        except Exception:  # a bug of ours: still a JSON answer the SDKs quote, and the server log has the trace
            log.exception("minting instance role credentials for %s failed", grant.service_arn)
            return 500, {"code": "InternalError", "message": "runnerlink could not mint the instance role's "
                         "credentials. See the runnerlink server log."}
        fresh = {"AccessKeyId": session["AccessKeyId"], "SecretAccessKey": session["SecretAccessKey"],
                 "Token": session["SessionToken"], "Expiration": _iso(session["Expiration"]),
                 "RoleArn": grant.role_arn, "_expires": float(session["Expiration"])}
        with self._lock:
            grant.current, grant.refused = fresh, None
        return 200, _public(fresh)

    def _find(self, token: str) -> _Grant | None:
        with self._lock:
            for known, grant in self._grants.items():
                if hmac.compare_digest(known.encode(), token.encode()):
                    return grant
        return None

    def _mint(self, grant: _Grant, now: float) -> dict:
        # IAM's records are the account's global scope; a role of another account is refused before any lookup.
        with self.store.transaction(f"{grant.account}/{GLOBAL_REGION}", write=True) as tx:
            return assume_instance_role(tx, self._identity(), grant.role_arn, grant.service_arn, grant.account,
                                        grant.session_name, now)


def edge_url(host: str, port: int) -> str:
    """The edge as an application on this host reaches it: the loopback address when the edge listens on all."""
    if host in ("", "0.0.0.0", "localhost"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _public(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if not k.startswith("_")}


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(float(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
