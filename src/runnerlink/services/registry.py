"""Every emulated service, for the edge to route to."""

from __future__ import annotations

from runnerlink.services.base import ServicePackage


def all_services() -> list[ServicePackage]:
    from runnerlink.services import apprunner, ec2, sts

    return [apprunner.PACKAGE, ec2.PACKAGE, sts.PACKAGE]
