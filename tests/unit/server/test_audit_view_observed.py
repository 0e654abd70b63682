"""What the audit model takes from the traffic log: workloads' requests to AWS services, by subnet, service and
outcome — not requests from the internet or runnerlink's own actions, not App Runner applications' names, not
other accounts' VPCs."""

from __future__ import annotations

from runnerlink.audit.model import Observed
from runnerlink.server.audit_view import observed

VPC, OTHER = "vpc-1", "vpc-2"


def entry(**fields) -> dict:
    return {"source": "vpc", "vpc": VPC, "subnet": "subnet-a", "host": "apprunner.us-east-1.amazonaws.com",
            "outcome": "endpoint", "workload": "wl-1", "workloadName": None, "time": 10.0, **fields}


def test_requests_are_grouped_by_subnet_service_and_outcome():
    log = [entry(), entry(time=12.0, workload="wl-2", host="vpce-0abc-x.apprunner.us-east-1.vpce.amazonaws.com"),
           entry(time=11.0),
           entry(host="codebuild.us-east-1.amazonaws.com", outcome="internet", time=5.0),
           entry(subnet="subnet-b", host="sts.amazonaws.com", outcome="unreachable", time=7.0,
                 workload="wl-9", workloadName="apprunner:web")]
    assert observed(log, {VPC}) == (
        Observed(VPC, "subnet-a", "apprunner", "vpce-0abc-x.apprunner.us-east-1.vpce.amazonaws.com", "endpoint", 3,
                 ("wl-1", "wl-2"), 12.0),
        Observed(VPC, "subnet-a", "codebuild", "codebuild.us-east-1.amazonaws.com", "internet", 1, ("wl-1",), 5.0),
        Observed(VPC, "subnet-b", "sts", "sts.amazonaws.com", "unreachable", 1, ("wl-9 (apprunner:web)",), 7.0),
    )


def test_what_is_not_a_workloads_request_to_aws_is_left_out():
    log = [entry(source="internet", vpc=None, subnet=None),  # straight to the edge
           entry(source="local", outcome="local"),  # runnerlink's own action
           entry(host="abcdefgh12.us-east-1.awsapprunner.com", outcome="internet"),  # an application's name
           entry(host="example.com"),
           entry(vpc=OTHER)]  # a VPC of another account or region
    assert observed(log, {VPC}) == ()
