"""Operations that await a deployment: where the server can run a service's application, the service stays
OPERATION_IN_PROGRESS until the runtime records the outcome, which then decides the service's status and the
operation's; elsewhere the clock alone decides, as before."""

from __future__ import annotations

from runnerlink.services.apprunner.records import deployments
from runnerlink.services.apprunner.services import (
    create_service, describe_service, list_operations, start_deployment, update_service,
)
from runnerlink.services.base import open_context
from runnerlink.store.memory import MemoryStore

ACCOUNT, REGION, DELAY = "111122223333", "us-east-1", 1.0


def _source(url: str = "file:///srv/app") -> dict:
    return {"CodeRepository": {"RepositoryUrl": url, "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
                               "CodeConfiguration": {"ConfigurationSource": "REPOSITORY"}},
            "AutoDeploymentsEnabled": False}


class World:
    def __init__(self, runnable: bool | None = True):
        self.store = MemoryStore()
        # None: a server that runs no applications; False: one that can't run this source.
        self.run_check = None if runnable is None else (lambda record: None if runnable else "no local copy")

    def call(self, handler, params: dict, now: float) -> dict:
        with open_context(self.store, ACCOUNT, REGION, write=True, lifecycle_delay=DELAY, now=now,
                          run_check=self.run_check) as ctx:
            return handler(ctx, params)

    def finish(self, arn: str, op: str, succeeded: bool, now: float, deployment: str | None = None) -> str | None:
        with open_context(self.store, ACCOUNT, REGION, write=True, lifecycle_delay=DELAY, now=now) as ctx:
            return deployments.finish(ctx, arn, op, deployment or op, succeeded, "why")

    def status(self, arn: str, now: float) -> str:
        return self.call(describe_service, {"ServiceArn": arn}, now)["Service"]["Status"]

    def operation(self, arn: str, now: float) -> dict:
        return self.call(list_operations, {"ServiceArn": arn}, now)["OperationSummaryList"][0]


def _create(world: World, now: float = 0.0) -> tuple[str, str]:
    answer = world.call(create_service, {"ServiceName": "svc", "SourceConfiguration": _source()}, now)
    return answer["Service"]["ServiceArn"], answer["OperationId"]


def test_a_runnable_creation_waits_for_its_deployment_not_the_clock():
    world = World()
    arn, op = _create(world)
    assert world.status(arn, 100.0) == "OPERATION_IN_PROGRESS"
    assert world.operation(arn, 100.0)["Status"] == "IN_PROGRESS"
    assert world.finish(arn, op, True, 100.5) == "SUCCEEDED"
    assert world.status(arn, 100.6) == "RUNNING"
    summary = world.operation(arn, 100.6)
    assert summary["Status"] == "SUCCEEDED" and summary["EndedAt"] == 100.5


def test_an_early_outcome_still_ends_no_sooner_than_the_clock():
    world = World()
    arn, op = _create(world)
    world.finish(arn, op, True, 0.2)
    assert world.status(arn, 0.5) == "OPERATION_IN_PROGRESS"
    assert world.status(arn, DELAY) == "RUNNING"


def test_a_failed_creation_is_create_failed_and_its_operation_failed():
    world = World()
    arn, op = _create(world)
    assert world.finish(arn, op, False, 5.0) == "FAILED"
    assert world.status(arn, 5.0) == "CREATE_FAILED"
    assert world.operation(arn, 5.0)["Status"] == "FAILED"


def test_a_failed_update_rolls_back_to_the_configuration_that_served():
    world = World()
    arn, op = _create(world)
    world.finish(arn, op, True, 2.0)
    answer = world.call(update_service, {"ServiceArn": arn, "SourceConfiguration": _source("file:///srv/new")}, 3.0)
    shown = answer["Service"]["SourceConfiguration"]["CodeRepository"]["RepositoryUrl"]
    assert shown == "file:///srv/new"  # the answer reflects what is being applied
    assert world.finish(arn, answer["OperationId"], False, 5.0) == "ROLLBACK_SUCCEEDED"
    service = world.call(describe_service, {"ServiceArn": arn}, 5.0)["Service"]
    assert service["Status"] == "RUNNING"
    assert service["SourceConfiguration"]["CodeRepository"]["RepositoryUrl"] == "file:///srv/app"
    assert world.operation(arn, 5.0)["Status"] == "ROLLBACK_SUCCEEDED"


def test_a_failed_deployment_keeps_the_configuration_and_rolls_back():
    world = World()
    arn, op = _create(world)
    world.finish(arn, op, True, 2.0)
    deploy = world.call(start_deployment, {"ServiceArn": arn}, 3.0)["OperationId"]
    assert world.finish(arn, deploy, False, 5.0) == "ROLLBACK_SUCCEEDED"
    service = world.call(describe_service, {"ServiceArn": arn}, 5.0)["Service"]
    assert service["Status"] == "RUNNING" and "AutoScalingConfigurationSummary" in service


def test_an_update_of_a_failed_creation_that_fails_again_stays_create_failed():
    world = World()
    arn, op = _create(world)
    world.finish(arn, op, False, 2.0)
    update = world.call(update_service, {"ServiceArn": arn, "SourceConfiguration": _source()}, 3.0)["OperationId"]
    assert world.finish(arn, update, False, 5.0) == "FAILED"
    assert world.status(arn, 5.0) == "CREATE_FAILED"


def test_an_outcome_for_an_operation_no_longer_awaited_is_ignored():
    world = World()
    arn, op = _create(world)
    assert world.finish(arn, "another-operation", True, 2.0) is None
    world.finish(arn, op, True, 2.0)
    assert world.finish(arn, op, False, 3.0) is None  # recorded once
    assert world.status(arn, 3.0) == "RUNNING"


def test_an_unrunnable_source_and_a_server_without_applications_follow_the_clock():
    for world in (World(runnable=False), World(runnable=None)):
        arn, _ = _create(world)
        assert world.status(arn, 0.5) == "OPERATION_IN_PROGRESS"
        assert world.status(arn, DELAY) == "RUNNING"
        assert world.operation(arn, DELAY)["Status"] == "SUCCEEDED"


def test_the_snapshot_names_the_hosts_a_service_answers_to():
    world = World()
    arn, op = _create(world)
    with open_context(world.store, ACCOUNT, REGION, write=False, lifecycle_delay=DELAY, now=0.0) as ctx:
        (service,) = deployments.snapshot(ctx)
    assert service["ServiceArn"] == arn
    assert service["_hosts"] == {service["_dns_target"]: {"via": "service"}}
