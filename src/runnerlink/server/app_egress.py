"""Where a service's application sends its outbound requests from: a workload of the subnet gateway, so they take
the path AWS would give them.

- EgressType DEFAULT: App Runner's own VPC, modelled as the default VPC of an account of App Runner's in the
  service's Region: a public subnet, a public address (aws:SourceIp), the internet path.
- EgressType VPC: the VPC connector's first subnet with the connector's security groups and no public address, so
  the customer VPC decides (its interface endpoints and their policies, a NAT gateway, or nothing).

The workload is the service's (Owner: its ARN, Name: "apprunner:<service>", which the traffic log shows with each
request) and is made once per network placement, so restarts and resumes reuse it; the application runs with the
proxy, CA-bundle, credential and Region variables (with an instance role, the container credentials endpoint's of
server/app_credentials.py instead of the account's root key). A placement whose subnet or groups are gone fails the
deployment (ValueError → "egress: …"); release() removes the service's workloads (and instance-role tokens) once it
is deleted.
"""

from __future__ import annotations

from typing import Mapping

from runnerlink.auth.credentials import CONVENTION_SECRET
from runnerlink.errors import AWSError
from runnerlink.server.admin_workloads import settings_for
from runnerlink.server.app_credentials import InstanceCredentials
from runnerlink.server.gateway import Gateway
from runnerlink.server.pipeline import Pipeline
from runnerlink.services import workload_index
from runnerlink.services.apprunner.errors import ResourceNotFound
from runnerlink.services.apprunner.ids import parse_arn
from runnerlink.services.apprunner.records.vpc_connectors import resolve_vpc_connector
from runnerlink.services.base import HandlerContext, run_handler
from runnerlink.services.ec2 import workloads
from runnerlink.services.ec2.defaults import defaults
from runnerlink.services.ec2.records.security_groups import get_group
from runnerlink.services.ec2.records.subnets import SUBNET, get_subnet

# The account whose default VPC models App Runner's own (service-owned) VPC; no customer account has this id.
APP_RUNNER_ACCOUNT = "000000000001"
LOCAL_NAMES = "localhost,127.0.0.1,::1"


class Egress:
    def __init__(self, pipeline: Pipeline, gateway: Gateway, credentials: InstanceCredentials | None = None):
        self.pipeline = pipeline
        self.gateway = gateway
        self.credentials = credentials

    def __call__(self, service: dict) -> Mapping[str, str]:
        """The environment the service's application runs with; ValueError when its network can't be had."""
        arn = service["ServiceArn"]
        region, account = _region_account(arn)
        egress = service["NetworkConfiguration"]["EgressConfiguration"]
        if egress.get("EgressType") == "VPC":
            scope = (account, region)
            placement = self._run(scope, lambda ctx: _connector_placement(ctx, egress["VpcConnectorArn"]))
        else:
            scope = (APP_RUNNER_ACCOUNT, region)
            placement = self._run(scope, _app_runner_placement, write=True)
        self._unindex(self._run(scope, lambda ctx: _prune(ctx, arn), write=True))
        record = self._run(scope, lambda ctx: _workload_for(ctx, arn, service["ServiceName"], placement),
                           write=True)
        with self.pipeline.store.transaction(workload_index.INDEX_SCOPE, write=True) as tx:
            workload_index.put(tx, record)
        environment = {**settings_for(self.gateway, record), "NO_PROXY": LOCAL_NAMES, "no_proxy": LOCAL_NAMES,
                       "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
        role = self.credentials.grant(service) if self.credentials is not None else {}
        if role:  # the SDKs' chain reaches the container provider only when no key is in the environment
            return {**environment, **role}
        # No instance role: the service's account. An access key of 12 digits is that account's root to runnerlink,
        # whose secret is "test" in enforce mode (auth/credentials.py).
        return {**environment, "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": CONVENTION_SECRET}

    def forget(self, environment: Mapping[str, str]) -> None:
        """The instance started with this environment has stopped: its instance-role token fetches nothing more."""
        if self.credentials is not None:
            self.credentials.forget(environment)

    def release(self, service: dict) -> list[str]:
        """Remove the service's workloads (it is deleted): those in its account and in App Runner's. Their ids."""
        arn = service["ServiceArn"]
        region, account = _region_account(arn)
        if self.credentials is not None:
            self.credentials.revoke(arn)
        removed: list[str] = []
        for scope in dict.fromkeys([(account, region), (APP_RUNNER_ACCOUNT, region)]):
            removed += self._run(scope, lambda ctx: _remove_owned(ctx, arn), write=True)
        self._unindex(removed)
        return removed

    def _unindex(self, workload_ids: list[str]) -> None:
        if workload_ids:
            with self.pipeline.store.transaction(workload_index.INDEX_SCOPE, write=True) as tx:
                for workload_id in workload_ids:
                    workload_index.delete(tx, workload_id)

    def _run(self, scope: tuple[str, str], handler, write: bool = False):
        return run_handler(self.pipeline.store, handler, *scope, write=write,
                           lifecycle_delay=self.pipeline.settings.lifecycle_delay)[0]


def _region_account(arn: str) -> tuple[str, str]:
    parsed = parse_arn(arn)
    return parsed.region, parsed.account


def _connector_placement(ctx: HandlerContext, connector_arn: str) -> dict:
    """The connector's first subnet and its groups. App Runner spreads its ENIs over all the connector's subnets;
    one instance here has one address, so it takes the first subnet named (the order the connector was made with)."""
    try:
        connector = resolve_vpc_connector(ctx, connector_arn)
    except ResourceNotFound as error:
        raise ValueError(error.message) from None
    if not connector.get("Subnets"):
        raise ValueError(f"VPC connector {connector['VpcConnectorName']} has no subnet")
    return {"subnet": connector["Subnets"][0], "groups": list(connector.get("SecurityGroups") or []),
            "publicIp": False, "of": f"VPC connector {connector['VpcConnectorName']}"}


def _app_runner_placement(ctx: HandlerContext) -> dict:
    vpc_id = defaults(ctx)["VpcId"]
    subnet = next(iter(ctx.tx.scan(SUBNET.name, parent=vpc_id)), None)
    if subnet is None:
        raise ValueError(f"App Runner's VPC {vpc_id} has no subnet")
    return {"subnet": subnet["SubnetId"], "groups": [], "publicIp": True, "of": "App Runner's VPC"}


def _prune(ctx: HandlerContext, service_arn: str) -> list[str]:
    """Remove the service's workloads whose subnet was deleted under them (their address is nowhere now); their ids."""
    gone = []
    for record in workloads.list_workloads(ctx):
        if record.get("Owner") == service_arn and SUBNET.find(ctx, record["SubnetId"]) is None:
            workloads.delete_workload(ctx, record["WorkloadId"])
            gone.append(record["WorkloadId"])
    return gone


def _workload_for(ctx: HandlerContext, service_arn: str, name: str, placement: dict) -> dict:
    """The service's workload at this placement, made if it doesn't exist yet (one per placement: restarts of its
    instances reuse it). ValueError when the placement's subnet or one of its groups no longer exists."""
    try:
        get_subnet(ctx, placement["subnet"])
        for group_id in placement["groups"]:
            get_group(ctx, group_id)
    except AWSError as error:
        raise ValueError(f"{placement['of']}: {error.message}") from None
    for record in workloads.list_workloads(ctx):
        if record.get("Owner") == service_arn and record["SubnetId"] == placement["subnet"] and \
                sorted(record["SecurityGroupIds"]) == sorted(placement["groups"] or record["SecurityGroupIds"]):
            return record
    try:
        return workloads.create_workload(ctx, placement["subnet"], placement["groups"] or None,
                                         placement["publicIp"], owner=service_arn, name=f"apprunner:{name}")
    except AWSError as error:  # no free address left in the subnet …
        raise ValueError(f"{placement['of']}: {error.message}") from None


def _remove_owned(ctx: HandlerContext, service_arn: str) -> list[str]:
    removed = []
    for record in workloads.list_workloads(ctx):
        if record.get("Owner") == service_arn:
            workloads.delete_workload(ctx, record["WorkloadId"])
            removed.append(record["WorkloadId"])
    return removed
