"""Every emulated service, for the edge to route to. A new service is a package of its own and a line here."""

from __future__ import annotations

from runnerlink.services import apprunner, ec2, iam, sts
from runnerlink.services.base import ServicePackage


def all_services() -> list[ServicePackage]:
    return [apprunner.PACKAGE, ec2.PACKAGE, iam.PACKAGE, sts.PACKAGE]
