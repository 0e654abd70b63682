"""Read-only EC2 / App Runner / STS calls for the AWS source: every page of a paginated answer, and each refused or
failed call kept as a RefusedCall (asked once per operation) instead of an exception, so the audit goes on with what
it could read. What can't be read at all (no credentials, credentials refused, no endpoint) is a SourceError."""

from __future__ import annotations

from typing import Any, Callable

import boto3
from botocore.config import Config
from botocore.exceptions import (BotoCoreError, ClientError, ConnectionClosedError, EndpointConnectionError,
                                 NoCredentialsError, NoRegionError, PartialCredentialsError)

from runnerlink.audit.model import RefusedCall
from runnerlink.audit.sources import SourceError

CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=60)
# Codes meaning the credentials themselves were refused: no call would succeed, so the model would be empty.
_BAD_CREDENTIALS = {"AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch",
                    "ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidSignatureException",
                    "IncompleteSignature", "InvalidAccessKeyId"}
_UNREACHABLE = (EndpointConnectionError, ConnectionClosedError)


class Reader:
    def __init__(self, session: boto3.Session, region: str, endpoint_url: str | None = None):
        self.session = session
        self.region = region
        self.endpoint_url = endpoint_url
        self._clients: dict[str, Any] = {}
        self.refused: dict[tuple[str, str], RefusedCall] = {}

    def client(self, service: str):
        if service not in self._clients:
            try:
                self._clients[service] = self.session.client(service, region_name=self.region,
                                                             endpoint_url=self.endpoint_url, config=CONFIG)
            except (NoRegionError, ValueError) as error:
                raise SourceError(f"cannot make an {service} client for region {self.region!r}: {error}") from None
        return self._clients[service]

    def call(self, service: str, method: str, **params) -> dict | None:
        """One call's answer, or None when it was refused or failed (then recorded)."""
        client = self.client(service)
        return self._guarded(service, method, lambda: getattr(client, method)(**params))

    def items(self, service: str, method: str, key: str, **params) -> list[dict] | None:
        """Every item under `key` across the answer's pages (a paginator where the API has one, else NextToken),
        or None when a call was refused or failed."""
        client = self.client(service)
        if client.can_paginate(method):
            paginator = client.get_paginator(method)
            return self._guarded(service, method, lambda: [item for page in paginator.paginate(**params)
                                                           for item in page.get(key) or []])
        return self._guarded(service, method, lambda: self._by_token(client, method, key, params))

    @staticmethod
    def _by_token(client, method: str, key: str, params: dict) -> list[dict]:
        found: list[dict] = []
        token = None
        while True:
            page = getattr(client, method)(**params, **({"NextToken": token} if token else {}))
            found.extend(page.get(key) or [])
            token = page.get("NextToken")
            if not token:
                return found

    def _guarded(self, service: str, method: str, fetch: Callable[[], Any]) -> Any:
        operation = self.client(service).meta.method_to_api_mapping.get(method, method)
        if (service, operation) in self.refused:  # asked once: a refusal holds for every resource
            return None
        try:
            return fetch()
        except ClientError as error:
            details = error.response.get("Error") or {}
            code, message = str(details.get("Code") or "Unknown"), str(details.get("Message") or error)
            if code in _BAD_CREDENTIALS:
                raise SourceError(f"{service} refused the credentials ({code}: {message})") from None
            self._refuse(service, operation, code, message)
        except (NoCredentialsError, PartialCredentialsError) as error:
            raise SourceError(f"no AWS credentials: {error} (set --profile, or AWS_ACCESS_KEY_ID and "
                              f"AWS_SECRET_ACCESS_KEY)") from None
        except _UNREACHABLE as error:
            if service != "apprunner":  # App Runner isn't in every Region; EC2 is the network itself
                raise SourceError(f"{service} is not reachable: {error}") from None
            self._refuse(service, operation, type(error).__name__, str(error))
        except BotoCoreError as error:
            self._refuse(service, operation, type(error).__name__, str(error))
        return None

    def _refuse(self, service: str, operation: str, code: str, message: str) -> None:
        self.refused[service, operation] = RefusedCall(service, operation, code, message)
