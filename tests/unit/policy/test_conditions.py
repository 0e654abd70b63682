"""Conformance: the Condition element (IAM UG, *IAM JSON policy elements: Condition operators*,
*Condition element*, *Multivalued context keys*, *...IfExists condition operators*)."""

import base64

import pytest

from runnerlink.policy import PolicyError, Request, compile_policy, evaluate

A = "111122223333"
ALICE = f"arn:aws:iam::{A}:user/alice"


def holds(condition, context=None, principal=ALICE):
    """True when an Allow statement with this Condition applies to the request."""
    p = compile_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "apprunner:ListServices", "Resource": "*", "Condition": condition}]}, "identity")
    d = evaluate(Request(principal, "apprunner:ListServices", "*", context=context or {}), identity=[p])
    return d.decision == "allowed"


def denies(condition, context=None):
    """True when a Deny statement with this Condition fires."""
    p = compile_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "apprunner:ListServices", "Resource": "*", "Condition": condition}]}, "identity")
    d = evaluate(Request(ALICE, "apprunner:ListServices", "*", context=context or {}), identity=[p])
    return d.decision == "explicitDeny"


# --- String operators ---------------------------------------------------------------------------------

@pytest.mark.parametrize("op,policy_value,value,expected", [
    ("StringEquals", "team-a", "team-a", True),
    ("StringEquals", "team-a", "Team-A", False),  # case-sensitive
    ("StringEquals", "team-*", "team-a", False),  # no wildcards in Equals
    ("StringEquals", ["x", "team-a"], "team-a", True),  # OR across values
    ("StringNotEquals", "team-a", "team-b", True),
    ("StringNotEquals", ["team-a", "team-b"], "team-b", False),  # NOR across values
    ("StringEqualsIgnoreCase", "TEAM-A", "team-a", True),
    ("StringEqualsIgnoreCase", "team-a", "team-b", False),
    ("StringNotEqualsIgnoreCase", "TEAM-A", "team-a", False),
    ("StringNotEqualsIgnoreCase", "TEAM-A", "team-b", True),
    ("StringLike", "team-*", "team-a", True),
    ("StringLike", "team-?", "team-ab", False),
    ("StringLike", "team-??", "team-ab", True),
    ("StringLike", "*a*", "xxaxx", True),
    ("StringLike", "Team-*", "team-a", False),  # Like is case-sensitive
    ("StringLike", "a.c", "abc", False),  # regex characters are literal
    ("StringNotLike", "team-*", "team-a", False),
    ("StringNotLike", ["x*", "y*"], "team-a", True),
])
def test_string_operators(op, policy_value, value, expected):
    assert holds({op: {"aws:PrincipalTag/team": policy_value}}, {"aws:PrincipalTag/team": value}) is expected


# --- Numeric operators --------------------------------------------------------------------------------

@pytest.mark.parametrize("op,policy_value,value,expected", [
    ("NumericEquals", "10", "10", True),
    ("NumericEquals", "10", "10.0", True),
    ("NumericEquals", "10", 10, True),
    ("NumericEquals", "10", "11", False),
    ("NumericNotEquals", "10", "11", True),
    ("NumericNotEquals", ["10", "11"], "11", False),
    ("NumericLessThan", "10", "9.5", True),
    ("NumericLessThan", "10", "10", False),
    ("NumericLessThanEquals", "10", "10", True),
    ("NumericGreaterThan", "10", "10", False),
    ("NumericGreaterThan", "10", "11", True),
    ("NumericGreaterThanEquals", "10", "10", True),
    ("NumericGreaterThanEquals", "-1.5", "-2", False),
    ("NumericEquals", "10", "ten", False),  # a value that is no number matches nothing
    ("NumericNotEquals", "10", "ten", False),
])
def test_numeric_operators(op, policy_value, value, expected):
    assert holds({op: {"aws:MultiFactorAuthAge": policy_value}}, {"aws:MultiFactorAuthAge": value}) is expected


# --- Date operators -----------------------------------------------------------------------------------

@pytest.mark.parametrize("op,policy_value,value,expected", [
    ("DateEquals", "2024-06-01T12:00:00Z", "2024-06-01T12:00:00Z", True),
    ("DateEquals", "2024-06-01T12:00:00Z", "1717243200", True),  # epoch seconds on the request side
    ("DateEquals", "1717243200", "2024-06-01T12:00:00Z", True),  # and on the policy side
    ("DateEquals", "2024-06-01T14:00:00+02:00", "2024-06-01T12:00:00Z", True),  # time zones
    ("DateNotEquals", "2024-06-01T12:00:00Z", "2024-06-01T12:00:01Z", True),
    ("DateLessThan", "2024-06-01T12:00:00Z", "2024-05-31T23:59:59Z", True),
    ("DateLessThan", "2024-06-01T12:00:00Z", "2024-06-01T12:00:00Z", False),
    ("DateLessThanEquals", "2024-06-01T12:00:00Z", "2024-06-01T12:00:00Z", True),
    ("DateGreaterThan", "2024-06-01", "2024-06-02T00:00:00Z", True),
    ("DateGreaterThanEquals", "2024-06-01T12:00:00Z", "2024-06-01T11:00:00Z", False),
    ("DateLessThan", "2024-06-01T12:00:00Z", "not a date", False),
])
def test_date_operators(op, policy_value, value, expected):
    assert holds({op: {"aws:CurrentTime": policy_value}}, {"aws:CurrentTime": value}) is expected


# --- Bool, Binary -------------------------------------------------------------------------------------

@pytest.mark.parametrize("policy_value,value,expected", [
    ("true", "true", True), ("true", True, True), ("false", False, True), ("true", False, False),
    ("TRUE", "true", True), (True, "true", True),
])
def test_bool(policy_value, value, expected):
    assert holds({"Bool": {"aws:SecureTransport": policy_value}}, {"aws:SecureTransport": value}) is expected


def test_bool_false_with_missing_key_does_not_match():
    # IAM UG, Bool: a missing key is no match for the positive operator (use BoolIfExists or Null).
    assert holds({"Bool": {"aws:MultiFactorAuthPresent": "false"}}) is False
    assert holds({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}) is True


def test_binary_equals_compares_bytes():
    value = base64.b64encode(b"\x00\x01secret").decode()
    assert holds({"BinaryEquals": {"s3:x-amz-key": value}}, {"s3:x-amz-key": b"\x00\x01secret"})
    assert holds({"BinaryEquals": {"s3:x-amz-key": value}}, {"s3:x-amz-key": value})
    assert not holds({"BinaryEquals": {"s3:x-amz-key": value}}, {"s3:x-amz-key": b"other"})


# --- IP address operators -----------------------------------------------------------------------------

@pytest.mark.parametrize("op,policy_value,value,expected", [
    ("IpAddress", "203.0.113.0/24", "203.0.113.7", True),
    ("IpAddress", "203.0.113.0/24", "198.51.100.7", False),
    ("IpAddress", "203.0.113.7", "203.0.113.7", True),  # a bare address is a /32
    ("IpAddress", ["10.0.0.0/8", "203.0.113.0/24"], "10.1.2.3", True),
    ("IpAddress", "2001:db8::/32", "2001:db8:1::1", True),  # IPv6
    ("IpAddress", "2001:db8::/32", "2001:db9::1", False),
    ("IpAddress", "203.0.113.0/24", "2001:db8::1", False),  # versions never mix
    ("NotIpAddress", "203.0.113.0/24", "198.51.100.7", True),
    ("NotIpAddress", "203.0.113.0/24", "203.0.113.9", False),
    ("IpAddress", "203.0.113.0/24", "not-an-ip", False),
])
def test_ip_operators(op, policy_value, value, expected):
    assert holds({op: {"aws:SourceIp": policy_value}}, {"aws:SourceIp": value}) is expected


def test_source_ip_is_absent_through_an_endpoint():
    # Reference 1.3: through a VPC endpoint aws:SourceIp is absent, so IpAddress silently fails
    # while NotIpAddress (a negated operator) matches.
    through = {"aws:SourceVpce": "vpce-1a2b3c4d", "aws:VpcSourceIp": "10.0.1.5"}
    assert holds({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, through) is False
    assert holds({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, through) is True
    assert holds({"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}, through) is True


# --- ARN operators ------------------------------------------------------------------------------------

ROLE = f"arn:aws:iam::{A}:role/app"


@pytest.mark.parametrize("op,policy_value,value,expected", [
    ("ArnEquals", ROLE, ROLE, True),
    ("ArnLike", ROLE, ROLE, True),
    ("ArnEquals", f"arn:aws:iam::{A}:role/*", ROLE, True),  # Equals ≡ Like
    ("ArnLike", "arn:aws:iam::*:role/app", ROLE, True),
    ("ArnLike", "arn:aws:iam::*:role/ap?", ROLE, True),
    ("ArnLike", f"arn:aws:iam::{A}:role/APP", ROLE, False),  # case-sensitive
    ("ArnLike", "arn:aws:iam::*:user/*", ROLE, False),
    ("ArnLike", "arn:aws:*:*:*:role/app", ROLE, True),  # each segment on its own
    ("ArnLike", "arn:aws:iam:*:role/app", ROLE, False),  # a wildcard doesn't swallow a colon mid-ARN
    ("ArnLike", ROLE, "not-an-arn", False),
    ("ArnNotEquals", ROLE, f"arn:aws:iam::{A}:role/other", True),
    ("ArnNotLike", f"arn:aws:iam::{A}:role/*", ROLE, False),
    ("ArnNotLike", f"arn:aws:iam::{A}:user/*", ROLE, True),
])
def test_arn_operators(op, policy_value, value, expected):
    assert holds({op: {"aws:SourceArn": policy_value}}, {"aws:SourceArn": value}) is expected


# --- Null ---------------------------------------------------------------------------------------------

def test_null_true_means_absent_false_means_present():
    assert holds({"Null": {"aws:TokenIssueTime": "true"}}) is True
    assert holds({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}) is False
    assert holds({"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}) is True
    assert holds({"Null": {"aws:TokenIssueTime": "false"}}) is False


def test_null_counts_an_empty_value_as_present():
    # Reference 1.3: unsure in AWS; an empty value counts as present here.
    assert holds({"Null": {"aws:PrincipalTag/team": "false"}}, {"aws:PrincipalTag/team": ""}) is True


# --- Missing keys and IfExists (IAM UG, *Condition operators*: "...IfExists", negated operators) --------

POSITIVE = ["StringEquals", "StringLike", "StringEqualsIgnoreCase", "NumericEquals", "NumericLessThan",
            "DateEquals", "DateGreaterThan", "Bool", "IpAddress", "ArnEquals", "ArnLike", "BinaryEquals"]
NEGATED = ["StringNotEquals", "StringNotLike", "StringNotEqualsIgnoreCase", "NumericNotEquals", "DateNotEquals",
           "NotIpAddress", "ArnNotEquals", "ArnNotLike"]
VALUE_FOR = {"String": "x", "Numeric": "1", "Date": "2024-01-01T00:00:00Z", "Bool": "true", "IpAddress": "10.0.0.0/8",
             "NotIpAddress": "10.0.0.0/8", "Arn": ROLE, "Binary": "eA=="}


def _value(op):
    return next(v for k, v in VALUE_FOR.items() if op.startswith(k))


@pytest.mark.parametrize("op", POSITIVE)
def test_missing_key_positive_operator_is_false(op):
    assert holds({op: {"aws:SomeKey": _value(op)}}) is False


@pytest.mark.parametrize("op", NEGATED)
def test_missing_key_negated_operator_is_true(op):
    assert holds({op: {"aws:SomeKey": _value(op)}}) is True


@pytest.mark.parametrize("op", POSITIVE + NEGATED)
def test_missing_key_if_exists_is_true(op):
    assert holds({op + "IfExists": {"aws:SomeKey": _value(op)}}) is True


def test_if_exists_still_evaluates_a_present_key():
    assert holds({"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}}, {"ec2:InstanceType": "t3.micro"})
    assert not holds({"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}}, {"ec2:InstanceType": "m5.large"})


def test_deny_with_negated_if_exists_and_missing_key_still_denies():
    # Reference 1.3: "With Deny and a negated operator, e.g. StringNotEqualsIfExists, a missing key still denies."
    assert denies({"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}) is True
    assert denies({"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
                  {"aws:SourceVpce": "vpce-1a2b3c4d"}) is False


def test_deny_string_not_like_with_missing_key_denies():
    # IAM UG example: negated operators match when the key is missing.
    assert denies({"StringNotLike": {"aws:userid": "AIDA*"}}) is True


# --- AND / OR structure and key names -----------------------------------------------------------------

def test_and_across_operators_and_keys():
    condition = {"StringEquals": {"aws:PrincipalTag/team": "a", "aws:RequestedRegion": "us-east-1"},
                 "Bool": {"aws:SecureTransport": "true"}}
    full = {"aws:PrincipalTag/team": "a", "aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "true"}
    assert holds(condition, full)
    for key in full:
        assert not holds(condition, {k: v for k, v in full.items() if k != key})


def test_condition_key_names_are_case_insensitive():
    # IAM UG: "Condition key names are not case-sensitive."
    assert holds({"StringEquals": {"AWS:SOURCEVPCE": "vpce-1"}}, {"aws:sourcevpce": "vpce-1"})
    assert holds({"StringEquals": {"aws:sourcevpce": "vpce-1"}}, {"aws:SourceVpce": "vpce-1"})


def test_tag_key_part_is_case_insensitive_too():
    # Reference 1.3: aws:ResourceTag/TagKey1 matches tag key tagkey1.
    assert holds({"StringEquals": {"aws:ResourceTag/TagKey1": "v"}}, {"aws:resourcetag/tagkey1": "v"})


def test_empty_condition_block_always_holds():
    assert holds({})
    assert holds({"StringEquals": {}})


def test_unknown_operator_is_a_policy_error():
    with pytest.raises(PolicyError):
        compile_policy({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringSomething": {"aws:x": "y"}}}]},
            "identity")


# --- Multi-valued keys: ForAllValues / ForAnyValue (IAM UG, *Multivalued context keys*) ----------------

TAGS = "aws:TagKeys"


@pytest.mark.parametrize("value,expected", [
    (["team", "env"], True),
    (["team"], True),
    (["team", "cost"], False),  # one value outside the set
    ([], True),  # empty: true (AWS warns against ForAllValues with Allow)
    (None, True),  # missing: true
    ("team", True),  # a single value counts as a one-element set
])
def test_for_all_values(value, expected):
    context = {} if value is None else {TAGS: value}
    assert holds({"ForAllValues:StringEquals": {TAGS: ["team", "env"]}}, context) is expected


@pytest.mark.parametrize("value,expected", [
    (["team", "cost"], True),
    (["cost"], False),
    ([], False),  # empty: false
    (None, False),  # missing: false
    ("team", True),
])
def test_for_any_value(value, expected):
    context = {} if value is None else {TAGS: value}
    assert holds({"ForAnyValue:StringEquals": {TAGS: ["team", "env"]}}, context) is expected


def test_for_all_values_negated_means_no_value_in_the_list():
    # IAM UG: ForAllValues:StringNotEquals — none of the request values is in the list.
    cond = {"ForAllValues:StringNotEquals": {TAGS: ["secret", "admin"]}}
    assert holds(cond, {TAGS: ["team", "env"]})
    assert not holds(cond, {TAGS: ["team", "admin"]})
    assert holds(cond)  # missing: true


def test_for_any_value_negated_means_at_least_one_not_in_the_list():
    cond = {"ForAnyValue:StringNotEquals": {TAGS: ["team", "env"]}}
    assert holds(cond, {TAGS: ["team", "cost"]})
    assert not holds(cond, {TAGS: ["team", "env"]})
    assert not holds(cond)  # missing: false


def test_set_operators_with_like_and_if_exists():
    assert holds({"ForAnyValue:StringLike": {TAGS: "te*"}}, {TAGS: ["cost", "team"]})
    assert holds({"ForAnyValue:StringEqualsIfExists": {TAGS: "team"}})  # IfExists combines with set operators
    assert not holds({"ForAnyValue:StringEqualsIfExists": {TAGS: "team"}}, {TAGS: ["cost"]})


def test_for_all_values_deny_pattern_restricts_tag_keys():
    # IAM UG example: Deny unless every requested tag key is allowed.
    cond = {"ForAnyValue:StringNotEquals": {TAGS: ["team", "env"]}}
    assert denies(cond, {TAGS: ["team", "owner"]})
    assert not denies(cond, {TAGS: ["team"]})


def test_single_valued_operator_on_multi_valued_key_never_matches():
    # Reference 1.3 (AWS unsure; iam-simulate's rule): neither an Allow nor a Deny applies.
    assert not holds({"StringEquals": {TAGS: "team"}}, {TAGS: ["team"]})
    assert not denies({"StringNotEquals": {TAGS: "team"}}, {TAGS: ["env", "x"]})
    assert not holds({"StringEqualsIfExists": {TAGS: "team"}}, {TAGS: ["team"]})


def test_for_all_values_with_numeric_and_ip_families():
    assert holds({"ForAllValues:NumericLessThan": {"s3:x": "10"}}, {"s3:x": [1, 2, 9]})
    assert not holds({"ForAllValues:NumericLessThan": {"s3:x": "10"}}, {"s3:x": [1, 20]})
    assert holds({"ForAnyValue:IpAddress": {"s3:ips": "10.0.0.0/8"}}, {"s3:ips": ["192.0.2.1", "10.2.3.4"]})


def test_context_values_none_are_absent():
    assert holds({"Null": {"aws:PrincipalTag/team": "true"}}, {"aws:PrincipalTag/team": None})


# --- value formats ------------------------------------------------------------------------------------

@pytest.mark.parametrize("policy_value", ["2016-12-13t2:00:00.593194+23", "2016-12-13T02:00:00+23:00"])
def test_lenient_iso_dates_that_iam_accepts(policy_value):
    # Reference 1.5: IAM accepts dates such as 2016-12-13t2:00:00.593194+23.
    assert holds({"DateLessThan": {"aws:CurrentTime": policy_value}}, {"aws:CurrentTime": "2016-12-12T00:00:00Z"})
    assert not holds({"DateLessThan": {"aws:CurrentTime": policy_value}}, {"aws:CurrentTime": "2016-12-14T00:00:00Z"})


def test_numeric_and_bool_context_values_from_json():
    # Context values may arrive as JSON numbers and booleans.
    assert holds({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {"aws:MultiFactorAuthAge": 60})
    assert holds({"Bool": {"aws:ViaAWSService": "false"}}, {"aws:ViaAWSService": False})
    assert holds({"NumericEquals": {"s3:max-keys": 10}}, {"s3:max-keys": "10"})
