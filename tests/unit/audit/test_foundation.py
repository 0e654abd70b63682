"""The audit's model codec, configuration file and engine plumbing (the rules have their own tests)."""

from __future__ import annotations

import json

import pytest

from runnerlink.audit import codec, config
from runnerlink.audit.engine import run_audit
from runnerlink.audit.model import AuditModel, Connector, Location, Placement
from runnerlink.network.model import Route, RouteTable, Subnet, Topology, Vpc


def _model() -> AuditModel:
    topology = Topology("111122223333", "us-east-1", vpcs={"vpc-1": Vpc("vpc-1", ("10.0.0.0/16",))},
                        subnets={"subnet-1": Subnet("subnet-1", "vpc-1", "10.0.1.0/24", "us-east-1a", "rtb-1")},
                        route_tables={"rtb-1": RouteTable("rtb-1", "vpc-1", (Route("10.0.0.0/16", "local"),))})
    return AuditModel(topology, "aws", connectors={"arn:c": Connector("arn:c", "c", ("subnet-1",), ("sg-1",))},
                      placements=(Placement("wl-1", "workload", "vpc-1", "subnet-1", ("sg-1",)),),
                      locations={"vpc-1": Location("aws_vpc.a", "main.tf", 3)})


def test_the_model_survives_json():
    model = _model()
    assert codec.from_dict(json.loads(json.dumps(codec.to_dict(model)))) == model


def test_a_model_of_another_format_is_refused():
    with pytest.raises(ValueError, match="format"):
        codec.from_dict({**codec.to_dict(_model()), "format": 99})


def test_config_file(tmp_path):
    path = tmp_path / "audit.toml"
    path.write_text('disable = ["public-vpc"]\nexpected_services = ["codebuild"]\n'
                    'build_subnets = ["aws_subnet.build"]\n[severity]\n"endpoint-zone-missing" = "high"\n')
    loaded = config.load(path)
    assert loaded.disable == {"public-vpc"}
    assert loaded.services == ("apprunner", "codebuild")
    assert loaded.build_subnets == ("aws_subnet.build",)
    assert loaded.severity == {"endpoint-zone-missing": "high"}


@pytest.mark.parametrize("text, complaint", [
    ("disabled = []", "unknown key"),
    ("disable = 'public-vpc'", "list of strings"),
    ("[severity]\nx = 'urgent'", "not one of"),
    ("disable = [", "not valid TOML"),
])
def test_bad_config_files_are_named(tmp_path, text, complaint):
    path = tmp_path / "audit.toml"
    path.write_text(text)
    with pytest.raises(config.ConfigError, match=complaint):
        config.load(path)


def test_a_missing_config_file_is_an_error_but_no_file_means_defaults(tmp_path, monkeypatch):
    with pytest.raises(config.ConfigError, match="cannot read"):
        config.load(tmp_path / "absent.toml")
    monkeypatch.chdir(tmp_path)
    assert config.load(None) == config.AuditConfig()


def test_unknown_rule_ids_in_the_configuration_are_refused():
    with pytest.raises(ValueError, match="no-such-rule"):
        run_audit(_model(), config.AuditConfig(disable=frozenset({"no-such-rule"})))
