"""A runnerlink server's workloads, from the client side: place one in a subnet, remove it, and the environment a
workload's programs run with. Shared by `runnerlink exec / env / workloads` (cli_workloads.py) and the pytest
plugin's helpers (runnerlink.testing); stdlib only, so neither pays for more than it uses."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping

# Variables that would send a program's AWS requests around the gateway, to a fixed URL: unset in a workload.
_ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"
_AWS_SUFFIXES = ("amazonaws.com", "amazonaws.com.cn", "api.aws")


class AdminCallError(Exception):
    """A runnerlink action refused (its error code and message), or the server not reachable."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


def admin_call(base: str, method: str, path: str, payload: object | None = None, quiet: bool = False,
               timeout: float = 10) -> dict:
    """The JSON answer of METHOD {base}/_runnerlink/{path}; AdminCallError on a refusal (or {} when quiet)."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(f"{base.rstrip('/')}/_runnerlink/{path}", data=data, method=method,
                                     headers={"content-type": "application/json"})
    # The edge's own address never goes through a proxy the calling shell may have set.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        if quiet:
            return {}
        try:
            found = json.loads(error.read() or b"{}")
            code = found.get("error") or found.get("__type")
            message = f"{code}: {found.get('message')}"
        except ValueError:
            code, message = None, f"HTTP {error.code}"
        raise AdminCallError(message, error.code, code) from None
    except urllib.error.URLError as error:
        if quiet:
            return {}
        raise AdminCallError(f"runnerlink is not reachable at {base}: {error.reason}") from None


def place_workload(base: str, subnet: str, region: str, account: str | None = None, access_key: str | None = None,
                   security_groups: Iterable[str] = (), public_ip: bool | None = None) -> dict:
    """A new workload in subnet: the server's answer ({"workload", "proxy", "caBundle", "environment"}). Without an
    account, the server takes the account of access_key (or its default account)."""
    payload = {"account": account, "accessKey": access_key or None, "region": region, "subnet": subnet,
               "securityGroups": list(security_groups), "publicIp": public_ip}
    return admin_call(base, "POST", "workloads", payload)


def remove_workload(base: str, workload_id: str, quiet: bool = False) -> dict:
    return admin_call(base, "DELETE", f"workloads/{workload_id}", quiet=quiet)


def workload_environment(current: Mapping[str, str], settings: Mapping[str, str]) -> dict[str, str]:
    """current with the gateway's settings, without AWS_ENDPOINT_URL* (requests go by their real hostnames) and with
    NO_PROXY cleared of AWS names (so they do go through the gateway)."""
    environment = {k: v for k, v in current.items() if not is_endpoint_variable(k)}
    environment.update(settings)
    for name in ("NO_PROXY", "no_proxy"):
        if name in environment:
            kept = [entry for entry in environment[name].split(",") if entry.strip() and not _is_aws_name(entry)]
            if kept:
                environment[name] = ",".join(kept)
            else:
                del environment[name]
    return environment


def is_endpoint_variable(name: str) -> bool:
    return name == _ENDPOINT_VARIABLE or name.startswith(_ENDPOINT_VARIABLE + "_")


def _is_aws_name(entry: str) -> bool:
    name = entry.strip().lower().lstrip("*").lstrip(".")
    return name == "" or any(name == suffix or name.endswith("." + suffix) for suffix in _AWS_SUFFIXES)
