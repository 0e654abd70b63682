"""The endpoint-policy grammar checks (a pure function; no server)."""

from __future__ import annotations

import json

import pytest

from runnerlink.services.ec2.endpoint_policy import (
    DEFAULT_GATEWAY_POLICY,
    DEFAULT_INTERFACE_POLICY,
    MAX_CHARACTERS,
    PolicyError,
    check_endpoint_policy,
)

ALLOW_ALL = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}


def policy(*statements: dict, **top) -> str:
    return json.dumps({**top, "Statement": list(statements)})


def rejected(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        check_endpoint_policy(text)
    message = str(caught.value)
    # EC2's code for these is InvalidPolicyDocument, the message "The Policy Document is not valid. …" (seen from
    # ModifyVpcEndpoint in hashicorp/terraform-provider-aws#42291); the wording after that prefix is ours.
    assert message.startswith("The Policy Document is not valid. ")
    return message


@pytest.mark.parametrize("text", [
    DEFAULT_INTERFACE_POLICY,
    DEFAULT_GATEWAY_POLICY,
    policy(ALLOW_ALL),
    policy(ALLOW_ALL, Version="2012-10-17", Id="x"),
    json.dumps({"Version": "2008-10-17", "Statement": ALLOW_ALL}),  # one statement as an object
    policy({**ALLOW_ALL, "Action": ["apprunner:List*", "apprunner:Describe*"], "Sid": "ReadOnly"}),
    policy({"Effect": "Deny", "Principal": {"AWS": ["123456789012", "arn:aws:iam::123456789012:root"]},
            "NotAction": "apprunner:Delete*", "NotResource": ["arn:aws:apprunner:*:*:service/x/*"]}),
    policy({**ALLOW_ALL, "Principal": {"AWS": "*"}, "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}),
    policy({**ALLOW_ALL, "Condition": {"Bool": {"aws:SecureTransport": True}, "NumericLessThan": {"k": 3}}}),
    policy({**ALLOW_ALL, "Condition": {}}),
])
def test_accepted(text):
    check_endpoint_policy(text)


@pytest.mark.parametrize("text, fragment", [
    ("{not json", "Syntax error at position (1,2)"),
    ("", "Syntax error at position (1,1)"),
    ('{"Statement": [\n{"Effect": "Allow",}]}', "Syntax error at position (2,20)"),
    ("[]", "must be a JSON object"),
    (policy(ALLOW_ALL, Version="2020-01-01"), "Version"),
    (json.dumps({"Statement": []}), "Statement"),
    (json.dumps({"Version": "2012-10-17"}), "Statement"),
    (json.dumps({"Statement": "x"}), "Statement"),
    (json.dumps({"Statement": [ALLOW_ALL], "Extra": 1}), "Extra"),
    (policy({**ALLOW_ALL, "Effect": "allow"}), "Effect"),  # case-sensitive
    (policy({**ALLOW_ALL, "Effect": None}), "Effect"),
    (policy({k: v for k, v in ALLOW_ALL.items() if k != "Effect"}), "Effect"),
    (policy({k: v for k, v in ALLOW_ALL.items() if k != "Action"}), "exactly one of Action and NotAction"),
    (policy({**ALLOW_ALL, "NotAction": "s3:*"}), "not both"),
    (policy({k: v for k, v in ALLOW_ALL.items() if k != "Resource"}), "exactly one of Resource and NotResource"),
    (policy({**ALLOW_ALL, "NotResource": "*"}), "not both"),
    (policy({**ALLOW_ALL, "Action": []}), "Action must be"),
    (policy({**ALLOW_ALL, "Action": [1]}), "Action must be"),
    (policy({**ALLOW_ALL, "Resource": ""}), "Resource must be"),
    (policy({k: v for k, v in ALLOW_ALL.items() if k != "Principal"}), "must contain a Principal"),
    (policy({**{k: v for k, v in ALLOW_ALL.items() if k != "Principal"}, "NotPrincipal": {"AWS": "*"}}),
     "NotPrincipal"),
    (policy({**ALLOW_ALL, "Principal": "me"}), "Principal"),
    (policy({**ALLOW_ALL, "Principal": {"Robot": "*"}}), "Robot"),
    (policy({**ALLOW_ALL, "Principal": {"AWS": []}}), "Principal AWS"),
    (policy({**ALLOW_ALL, "Condition": "aws:SourceVpc"}), "Condition must be an object"),
    (policy({**ALLOW_ALL, "Condition": {"StringEquals": "x"}}), "StringEquals"),
    (policy({**ALLOW_ALL, "Condition": {"StringEquals": {"k": {"nested": 1}}}}), "Condition key k"),
    (policy({**ALLOW_ALL, "Sid": 1}), "Sid must be a string"),
    (policy({**ALLOW_ALL, "Sid": "a"}, {**ALLOW_ALL, "Sid": "a"}), "unique"),
    ('{"Statement": [], "Statement": []}', "Duplicate key"),
    (policy("x"), "statement 1"),
    (policy(ALLOW_ALL, {**ALLOW_ALL, "Bogus": 1}), "statement 2"),
])
def test_rejected(text, fragment):
    assert fragment in rejected(text)


def test_size_limit_counts_white_space():
    text = policy(ALLOW_ALL)
    padded = text + " " * (MAX_CHARACTERS - len(text))
    check_endpoint_policy(padded)
    assert "20480" in rejected(padded + " ")


def test_default_interface_policy_is_awss_text():
    # as DescribeVpcEndpoints shows it (awscli example): no Version, Python-2-style separators
    assert json.loads(DEFAULT_INTERFACE_POLICY) == {"Statement": [ALLOW_ALL]}
    assert '"Action": "*", \n' in DEFAULT_INTERFACE_POLICY
    assert json.loads(DEFAULT_GATEWAY_POLICY) == {"Version": "2008-10-17", "Statement": [ALLOW_ALL]}
