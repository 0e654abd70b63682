"""EC2 instances are out of runnerlink's scope (workloads run on App Runner): the instance reads answer an account
with no instances, and the calls that would launch or change one say plainly that runnerlink doesn't emulate them,
rather than looking like a typo'd action."""

from __future__ import annotations

from runnerlink.services.base import Handler, HandlerContext
from runnerlink.services.ec2.errors import EC2Error

UNSUPPORTED = ("RunInstances", "StartInstances", "StopInstances", "TerminateInstances", "RebootInstances")


def _not_emulated(operation: str) -> Handler:
    def refuse(ctx: HandlerContext, params: dict) -> dict:
        raise EC2Error("UnsupportedOperation", f"runnerlink does not emulate EC2 instances: {operation} is not "
                                               f"supported (runnerlink models VPC networking for App Runner).")

    refuse.__name__ = refuse.__qualname__ = f"refuse_{operation}"
    refuse.refuses_dry_run = True  # a DryRun must not claim the call would have succeeded
    return refuse


def _no_such_instances(params: dict) -> None:
    """No instance exists, so any named one is unknown (AWS names them all in one error)."""
    ids = list(dict.fromkeys(params.get("InstanceIds") or []))
    if len(ids) == 1:
        raise EC2Error("InvalidInstanceID.NotFound", f"The instance ID '{ids[0]}' does not exist")
    if ids:
        raise EC2Error("InvalidInstanceID.NotFound", f"The instance IDs '{', '.join(ids)}' do not exist")


def describe_instances(ctx: HandlerContext, params: dict) -> dict:
    """Filters are accepted and match nothing."""
    _no_such_instances(params)
    return {"Reservations": []}


def describe_instance_status(ctx: HandlerContext, params: dict) -> dict:
    _no_such_instances(params)
    return {"InstanceStatuses": []}


HANDLERS = {"DescribeInstances": describe_instances, "DescribeInstanceStatus": describe_instance_status,
            **{op: _not_emulated(op) for op in UNSUPPORTED}}
READ_ONLY = {"DescribeInstances", "DescribeInstanceStatus"}
