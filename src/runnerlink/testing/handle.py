"""What a test holds of a runnerlink server: `Runnerlink`, bound to one account and region, with boto3 clients, reset,
state export/import, the traffic log, the standard private network, and workloads in subnets (`exec`, `workload`:
the `runnerlink exec` command as a Python API)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from runnerlink.testing.network import PrivateNetwork, build_private_network
from runnerlink.testing.servers import TestServer
from runnerlink.workload_client import admin_call, place_workload, remove_workload, workload_environment

DEFAULT_ACCOUNT = "123456789012"  # the account of AWS's documentation (and moto's)
DEFAULT_REGION = "us-east-1"
SECRET = "test"  # a 12-digit access key id is that account's root, with this secret
RETRIES = {"max_attempts": 2, "mode": "standard"}  # a test fails on the first real error, not after backoff
# What would make a program in a workload sign as someone else, or send its requests elsewhere.
_CREDENTIAL_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                         "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                         "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN")


class Runnerlink:
    """A test's view of a server: account (its root credentials: access key = the account id, secret "test") and
    region. Clients reach the edge directly, that is from the internet; a workload's clients take a subnet's path."""

    def __init__(self, server: TestServer, account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION):
        if not (account.isdigit() and len(account) == 12):
            raise ValueError(f"account is a 12-digit AWS account id, not {account!r}")
        self.server = server
        self.account = account
        self.region = region
        self._traffic_since: int | None = None

    def __repr__(self) -> str:
        return f"<Runnerlink {self.url} account {self.account} {self.region}>"

    @property
    def url(self) -> str:
        return self.server.url

    def as_account(self, account: str, region: str | None = None) -> "Runnerlink":
        """The same server seen by another account (and region): its own clients, network and workloads."""
        other = Runnerlink(self.server, account, region or self.region)
        other._traffic_since = self._traffic_since
        return other

    # --- boto3 -------------------------------------------------------------------------------------------------
    @property
    def session(self) -> Any:
        """A boto3.Session with the account's credentials and the region; its clients need endpoint_url=self.url
        (or use client())."""
        return _session(self.account, self.region)

    def client(self, service: str, **kwargs: Any) -> Any:
        """session.client(service) bound to the server, with few retries; kwargs go to boto3 (a config of yours is
        merged over the retries)."""
        from botocore.config import Config

        config = Config(retries=RETRIES)
        if kwargs.get("config") is not None:
            config = config.merge(kwargs["config"])
        kwargs = {"endpoint_url": self.url, **kwargs, "config": config}
        return self.session.client(service, **kwargs)

    def environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """base (default os.environ) with this account's credentials, region and AWS_ENDPOINT_URL: for a program
        (the AWS CLI, Terraform, a subprocess with boto3) that should talk to the server from the internet."""
        env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _CREDENTIAL_VARIABLES}
        return {**env, "AWS_ACCESS_KEY_ID": self.account, "AWS_SECRET_ACCESS_KEY": SECRET,
                "AWS_DEFAULT_REGION": self.region, "AWS_REGION": self.region, "AWS_ENDPOINT_URL": self.url}

    # --- state ---------------------------------------------------------------------------------------------------
    def reset(self, account: str | None = None, region: str | None = None) -> dict:
        """Empty the server (neither given), an account (every region, IAM, its workloads), a region of every
        account, or one account's region. The server's summary of what went."""
        payload = {k: v for k, v in (("account", account), ("region", region)) if v}
        return admin_call(self.url, "POST", "reset", payload)

    def export_state(self) -> dict:
        """The server's whole state as a runnerlink-state document."""
        return admin_call(self.url, "GET", "state")

    def import_state(self, document: Mapping[str, Any]) -> dict:
        """Replace the server's whole state with document (all or nothing)."""
        return admin_call(self.url, "POST", "state", dict(document))

    # --- the traffic log -----------------------------------------------------------------------------------------
    def traffic(self, all_accounts: bool = False, since: int | None = None, limit: int = 1000,
                **filters: str) -> list[dict]:
        """This account's entries of the traffic log (oldest first) since the test began, or since entry `since`.
        Filters: service, operation, outcome (endpoint, internet, unreachable, local), workload, workloadName."""
        start = self._traffic_since if since is None else since
        query = {"limit": limit, **({"since": start} if start is not None else {}), **filters}
        entries = admin_call(self.url, "GET", f"traffic?{urlencode(query)}")["requests"]
        return entries if all_accounts else [e for e in entries if e.get("account") == self.account]

    def mark_traffic(self) -> int:
        """From now on traffic() returns only newer entries; the newest entry's number."""
        self._traffic_since = admin_call(self.url, "GET", "traffic?limit=1")["last"]
        return self._traffic_since

    # --- networks and workloads ----------------------------------------------------------------------------------
    def private_network(self, cidr: str = "10.0.0.0/16", zones: int = 2, endpoint: bool = True,
                        service: str = "apprunner", private_dns: bool = True,
                        endpoint_policy: dict | str | None = None, public: bool = False,
                        wait: bool = True) -> PrivateNetwork:
        """The App Runner documentation's private network in this account and region (runnerlink.testing.network):
        a VPC, `zones` private subnets, an HTTPS security group and an interface endpoint for `service` with private
        DNS (endpoint=False: none; public=True: an internet gateway and public IPs too)."""
        return build_private_network(self.client("ec2"), self.region, cidr=cidr, zones=zones, endpoint=endpoint,
                                     service=service, private_dns=private_dns, endpoint_policy=endpoint_policy,
                                     public=public, wait=wait)

    @contextlib.contextmanager
    def workload(self, subnet_id: str, security_groups: Sequence[str] = (),
                 public_ip: bool | None = None) -> Iterator["Workload"]:
        """A workload placed in the subnet for the block: its clients' requests take the subnet's path through the
        gateway (DNS, route, security groups, endpoint and its policy). Removed at the end of the block."""
        placed = place_workload(self.url, subnet_id, self.region, account=self.account,
                                security_groups=security_groups, public_ip=public_ip)
        workload = Workload(self, placed)
        try:
            yield workload
        finally:
            remove_workload(self.url, workload.id, quiet=True)

    def exec(self, subnet_id: str, argv: Sequence[str], security_groups: Sequence[str] = (),
             public_ip: bool | None = None, env: Mapping[str, str] | None = None, check: bool = False,
             timeout: float | None = 120, capture_output: bool = True, text: bool = True,
             **kwargs: Any) -> subprocess.CompletedProcess:
        """Run argv as a workload in the subnet, as `runnerlink exec` does: the proxy and CA bundle set,
        AWS_ENDPOINT_URL* dropped, this account's credentials and region. env: extra variables. The rest goes to
        subprocess.run (output captured as text unless told)."""
        with self.workload(subnet_id, security_groups, public_ip) as workload:
            return subprocess.run(list(argv), env=workload.environment(env), check=check, timeout=timeout,
                                  capture_output=capture_output, text=text, **kwargs)


_sessions: dict[tuple[str, str], Any] = {}


def _session(account: str, region: str) -> Any:
    """One boto3.Session per account and region for the process: a session loads each service's model once (a few
    hundred milliseconds for EC2's), and every test's handle would otherwise pay that again."""
    session = _sessions.get((account, region))
    if session is None:
        import boto3

        session = _sessions[(account, region)] = boto3.Session(
            aws_access_key_id=account, aws_secret_access_key=SECRET, region_name=region)
    return session


class Workload:
    """A workload in a subnet (Runnerlink.workload): its id, addresses, the environment its programs run with, and
    boto3 clients whose requests go through the subnet gateway by AWS's real hostnames."""

    def __init__(self, owner: Runnerlink, placed: dict):
        self.owner = owner
        self.record: dict = placed["workload"]
        self.proxy: str = placed["proxy"]
        self.ca_bundle: str = placed["caBundle"]
        self.settings: dict[str, str] = placed["environment"]

    def __repr__(self) -> str:
        return f"<Workload {self.id} in {self.subnet_id} ({self.private_ip})>"

    @property
    def id(self) -> str:
        return self.record["WorkloadId"]

    @property
    def subnet_id(self) -> str:
        return self.record["SubnetId"]

    @property
    def private_ip(self) -> str:
        return self.record["PrivateIp"]

    @property
    def public_ip(self) -> str | None:
        return self.record.get("PublicIp")

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """os.environ as a program in the workload sees it: `runnerlink exec`'s, with the owner's credentials."""
        base = self.owner.environment()
        base.pop("AWS_ENDPOINT_URL")
        return workload_environment({**base, **(extra or {})}, self.settings)

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client of the owner's account whose requests go through the gateway (no endpoint_url: the
        service's real hostname, resolved in the subnet; pass endpoint_url for an endpoint-specific name)."""
        from botocore.config import Config

        config = Config(retries=RETRIES, proxies={"http": self.proxy, "https": self.proxy})
        if kwargs.get("config") is not None:
            config = config.merge(kwargs["config"])
        kwargs = {"verify": self.ca_bundle, **kwargs, "config": config}
        return self.owner.session.client(service, **kwargs)
