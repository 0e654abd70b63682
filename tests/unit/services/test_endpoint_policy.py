"""Which endpoint policies EC2 stores: exactly those the policy engine can evaluate as endpoint policies (a pure
function; no server). A refused document is InvalidPolicyDocument, "The Policy Document is not valid. " followed by
the engine's message (AWS's MalformedPolicyDocument wording)."""

from __future__ import annotations

import json

import pytest

from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.records.endpoint_policies import (
    DEFAULT_GATEWAY_POLICY,
    DEFAULT_INTERFACE_POLICY,
    PREFIX,
    checked_policy,
    default_policy,
)

ALLOW_ALL = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
MAX_CHARACTERS = 20_480  # the endpoint policy limit, white space included (PrivateLink guide, not adjustable)


def policy(*statements: dict, **top) -> str:
    return json.dumps({**top, "Statement": list(statements)})


def rejected(text: str) -> str:
    """The reason after EC2's prefix."""
    with pytest.raises(EC2Error) as caught:
        checked_policy(text)
    assert caught.value.code == "InvalidPolicyDocument"
    message = str(caught.value)
    assert message.startswith(PREFIX) and len(message) > len(PREFIX)
    return message[len(PREFIX):]


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
    # NotPrincipal is supported in VPC endpoint policies (IAM User Guide), with Deny.
    policy(ALLOW_ALL, {"Effect": "Deny", "Action": "*", "Resource": "*",
                       "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}}),
])
def test_accepted_verbatim(text):
    assert checked_policy(text) == text


@pytest.mark.parametrize("text", [
    "{not json",
    "",
    '{"Statement": [\n{"Effect": "Allow",}]}',
    "[]",
    policy(ALLOW_ALL, Version="2020-01-01"),
    json.dumps({"Statement": []}),
    json.dumps({"Version": "2012-10-17"}),
    json.dumps({"Statement": "x"}),
    json.dumps({"Statement": [ALLOW_ALL], "Extra": 1}),
    policy({**ALLOW_ALL, "Effect": "allow"}),  # case-sensitive
    policy({**ALLOW_ALL, "Effect": None}),
    policy({k: v for k, v in ALLOW_ALL.items() if k != "Effect"}),
    policy({k: v for k, v in ALLOW_ALL.items() if k != "Action"}),
    policy({**ALLOW_ALL, "NotAction": "s3:*"}),
    policy({k: v for k, v in ALLOW_ALL.items() if k != "Resource"}),
    policy({**ALLOW_ALL, "NotResource": "*"}),
    policy({**ALLOW_ALL, "Action": []}),
    policy({**ALLOW_ALL, "Action": [1]}),
    policy({**ALLOW_ALL, "Resource": ""}),
    policy({k: v for k, v in ALLOW_ALL.items() if k != "Principal"}),
    policy({**ALLOW_ALL, "Principal": "me"}),
    policy({**ALLOW_ALL, "Principal": {"Robot": "*"}}),
    policy({**ALLOW_ALL, "Principal": {"AWS": []}}),
    policy({**ALLOW_ALL, "Condition": "aws:SourceVpc"}),
    policy({**ALLOW_ALL, "Condition": {"StringEquals": "x"}}),
    policy({**ALLOW_ALL, "Condition": {"StringEquals": {"k": {"nested": 1}}}}),
    policy({**ALLOW_ALL, "Sid": 1}),
    policy({**ALLOW_ALL, "Sid": "a"}, {**ALLOW_ALL, "Sid": "a"}),
    '{"Statement": [], "Statement": []}',
    policy("x"),
    policy(ALLOW_ALL, {**ALLOW_ALL, "Bogus": 1}),
])
def test_rejected(text):
    rejected(text)


@pytest.mark.parametrize("text, reason", [
    # What EC2's own grammar checks used to let through; stored, they denied every request through the endpoint.
    (policy({**ALLOW_ALL, "Condition": {"StringEqualz": {"aws:SourceVpc": "vpc-1"}}}), "Syntax errors in policy."),
    (policy({**ALLOW_ALL, "Action": "not-an-action"}),
     "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
    (policy({k: v for k, v in ALLOW_ALL.items() if k != "Principal"}), "Missing required field Principal."),
    (policy({**ALLOW_ALL, "Sid": "a"}, {**ALLOW_ALL, "Sid": "a"}),
     "Statement IDs (SID) in a single policy must be unique."),
])
def test_reason_is_the_engines(text, reason):
    assert rejected(text) == reason


@pytest.mark.parametrize("text, position", [("{not json", "(1,2)"), ("", "(1,1)"),
                                             ('{"Statement": [\n{"Effect": "Allow",}]}', "(2,20)")])
def test_text_that_is_not_json_gets_the_position_ec2_names(text, position):
    assert rejected(text) == f"Syntax error at position {position}"


def test_size_limit_counts_white_space():
    text = policy(ALLOW_ALL)
    padded = text + " " * (MAX_CHARACTERS - len(text))
    assert checked_policy(padded) == padded
    assert rejected(padded + " ") == "Policy document exceeds the maximum size of 20480 characters."


def test_default_policies_are_awss_text():
    # as DescribeVpcEndpoints shows them (awscli examples): interface without Version, Python-2-style separators
    assert json.loads(DEFAULT_INTERFACE_POLICY) == {"Statement": [ALLOW_ALL]}
    assert '"Action": "*", \n' in DEFAULT_INTERFACE_POLICY
    assert json.loads(DEFAULT_GATEWAY_POLICY) == {"Version": "2008-10-17", "Statement": [ALLOW_ALL]}
    assert default_policy("Interface") == DEFAULT_INTERFACE_POLICY
    assert default_policy("Gateway") == DEFAULT_GATEWAY_POLICY
