"""The text, JSON and SARIF renderers and the VPC diagram, over a hand-built report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runnerlink.network.model import InternetGateway, Route, RouteTable, Subnet, Topology, Vpc
from runnerlink.audit.engine import Report
from runnerlink.audit.findings import Finding
from runnerlink.audit.model import AuditModel, Location, Placement
from runnerlink.audit.report import diagram, json_report, sarif, text
from runnerlink.audit.rules.base import Rule

SCHEMA = Path(__file__).parents[2] / "tools/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"


def _report(findings=None) -> Report:
    topology = Topology(
        "111122223333", "us-east-1", vpcs={"vpc-1": Vpc("vpc-1", ("10.0.0.0/16",))},
        subnets={"subnet-a": Subnet("subnet-a", "vpc-1", "10.0.1.0/24", "us-east-1a", "rtb-1"),
                 "subnet-b": Subnet("subnet-b", "vpc-1", "10.0.2.0/24", "us-east-1b", "rtb-2")},
        route_tables={"rtb-1": RouteTable("rtb-1", "vpc-1", (Route("10.0.0.0/16", "local"), Route("0.0.0.0/0", "igw-1"))),
                      "rtb-2": RouteTable("rtb-2", "vpc-1", (Route("10.0.0.0/16", "local"),))},
        internet_gateways={"igw-1": InternetGateway("igw-1", "vpc-1")})
    model = AuditModel(topology, "terraform", placements=(Placement("wl-1", "workload", "vpc-1", "subnet-a"),))
    if findings is None:
        findings = (Finding("r-high", "high", "vpc-1", "vpc", "no endpoint", "add one", "vpc-1", ("subnet-a goes out",),
                            Location("aws_vpc.a", "net/main.tf", 3)),
                    Finding("r-low", "low", "vpc-1", "vpc", "public VPC", "make it private", "vpc-1"))
    rules = (Rule("r-high", "high", "High rule", "checks high", lambda c: ()),
             Rule("r-low", "low", "Low rule", "checks low", lambda c: ()))
    return Report(model, tuple(findings), rules, ())


def test_text_groups_colours_and_summarises():
    plain = text.render(_report(), color=False)
    assert "\x1b[" not in plain
    assert plain.index("r-high") < plain.index("r-low")
    assert "aws_vpc.a (net/main.tf:3)" in plain and "subnet-a goes out" in plain and "fix: add one" in plain
    assert "Summary: 2 findings — 1 high, 1 low" in plain
    assert "\x1b[1;31m" in text.render(_report(), color=True)


def test_a_clean_audit_says_so():
    assert "No findings: 2 rules passed on 1 VPC." in text.render(_report(()), color=False)


def test_json_round_trips():
    data = json.loads(json_report.render(_report()))
    assert data["summary"]["high"] == 1 and data["account"] == "111122223333"
    assert data["findings"][0]["location"] == {"address": "aws_vpc.a", "file": "net/main.tf", "line": 3}


def test_sarif_is_valid_and_located():
    if not SCHEMA.exists():
        pytest.skip("the SARIF schema is absent: run npm ci --prefix tests/tools")
    jsonschema = pytest.importorskip("jsonschema")
    document = json.loads(sarif.render(_report()))
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    results = document["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "note"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "net/main.tf"
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert "physicalLocation" not in results[1]["locations"][0]
    assert results[1]["locations"][0]["logicalLocations"][0]["name"] == "vpc-1"


def test_the_diagram_names_subnets_and_marks_internet_paths():
    svg = diagram.vpc_svg(_report().model, "vpc-1")
    assert "subnet-a" in svg and "subnet-b" in svg and "Availability Zone us-east-1b" in svg
    assert 'class="edge internet" data-from="subnet-a" data-to="igw-1"' in svg
    assert 'data-from="subnet-b"' not in svg


def test_html_is_one_page_with_a_diagram_beside_each_vpcs_findings():
    from runnerlink.audit.report import html

    page = html.render(_report())
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http://" not in page.split("<svg")[0]
    section = page[page.index('<section class="vpc" id="vpc-1">'):]
    assert section.index("<svg") < section.index('class="findings"')  # the diagram, then its findings
    assert "subnet-a" in section and "aws_vpc.a (net/main.tf:3)" in section and "add one" in section
    assert "1 high, 1 low" in page  # the summary


def test_html_escapes_what_it_shows():
    from runnerlink.audit.report import html

    hostile = Finding("r-high", "high", "vpc-1", "vpc", "<script>alert(1)</script>", "fix & more", "vpc-1")
    page = html.render(_report((hostile,)))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_draws_at_most_fifty_vpcs():
    from dataclasses import replace

    from runnerlink.audit.report import html

    report = _report(())
    vpcs = {f"vpc-{i:03}": Vpc(f"vpc-{i:03}", (f"10.{i}.0.0/16",)) for i in range(60)}
    model = replace(report.model, topology=replace(report.model.topology, vpcs=vpcs))
    page = html.render(replace(report, model=model))
    assert page.count('<section class="vpc"') == 60 and page.count("<svg") == html.MAX_DIAGRAMS
    assert "No findings" in page
