"""Conformance: policy variables (IAM UG, *IAM policy elements: Variables and tags*)."""

import pytest

from runnerlink.policy import Request, compile_policy, evaluate

A = "111122223333"
ALICE = f"arn:aws:iam::{A}:user/alice"
SESSION = f"arn:aws:sts::{A}:assumed-role/app/s1"


def decide(statement, request, version="2012-10-17", kind="identity"):
    doc = {"Statement": [statement]}
    if version:
        doc["Version"] = version
    return evaluate(request, identity=[compile_policy(doc, kind)]).decision


def s3(resource, principal=ALICE, context=None):
    return Request(principal, "s3:GetObject", resource, resource_account=A, context=context or {})


HOME = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/*"}


def test_username_in_resource():
    # IAM UG example: "arn:aws:s3:::bucket/home/${aws:username}/*".
    assert decide(HOME, s3("arn:aws:s3:::home/alice/notes.txt")) == "allowed"
    assert decide(HOME, s3("arn:aws:s3:::home/bob/notes.txt")) == "implicitDeny"


def test_one_compiled_policy_judges_each_callers_values():
    # A pattern with variables is compiled per distinct set of values and reused: requests of different callers,
    # interleaved, must each be judged with their own values (and a caller without the key never matches).
    policy = compile_policy({"Version": "2012-10-17", "Statement": [HOME]}, "identity")
    bob = f"arn:aws:iam::{A}:user/bob"
    for _ in range(3):
        for principal, resource, expected in ((ALICE, "home/alice/a", "allowed"), (bob, "home/alice/a", "implicitDeny"),
                                              (bob, "home/bob/b", "allowed"), (SESSION, "home//x", "implicitDeny"),
                                              (ALICE, "home/bob/b", "implicitDeny")):
            request = s3(f"arn:aws:s3:::{resource}", principal)
            assert evaluate(request, identity=[policy]).decision == expected, (principal, resource)


def test_missing_variable_in_resource_matches_nothing():
    # aws:username is absent for assumed-role sessions: the entry matches nothing.
    assert decide(HOME, s3("arn:aws:s3:::home/${aws:username}/x", SESSION)) == "implicitDeny"
    assert decide(HOME, s3("arn:aws:s3:::home//x", SESSION)) == "implicitDeny"


def test_missing_variable_in_not_resource_entry_matches_nothing():
    # Reference 1.2: that NotResource entry matches nothing, so every resource is "not listed".
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::home/${aws:username}/*"}
    assert decide(stmt, s3("arn:aws:s3:::home/alice/x", SESSION)) == "allowed"
    assert decide(stmt, s3("arn:aws:s3:::home/alice/x", ALICE)) == "implicitDeny"


def test_variables_need_version_2012_10_17():
    # IAM UG: without Version 2012-10-17 "${aws:username}" is literal text. (A resource policy here:
    # IAM itself refuses identity policies of older versions.)
    stmt = {**HOME, "Principal": {"AWS": ALICE}}
    literal = s3("arn:aws:s3:::home/${aws:username}/x")
    assert evaluate(literal, resource=compile_policy({"Version": "2008-10-17", "Statement": [stmt]}, "resource")
                    ).decision == "allowed"
    assert evaluate(s3("arn:aws:s3:::home/alice/x"),
                    resource=compile_policy({"Version": "2008-10-17", "Statement": [stmt]}, "resource")
                    ).decision == "implicitDeny"


def test_substituted_value_is_literal_not_a_wildcard():
    # Reference 1.4 (iam-simulate, probe var-value-wildcards-literal).
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/dir}/x"}
    star = {"aws:PrincipalTag/dir": "*"}
    assert decide(stmt, s3("arn:aws:s3:::b/*/x", context=star)) == "allowed"
    assert decide(stmt, s3("arn:aws:s3:::b/anything/x", context=star)) == "implicitDeny"
    like = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringLike": {"s3:prefix": "${aws:PrincipalTag/dir}/*"}}}
    assert decide(like, s3("*", context={**star, "s3:prefix": "*/a"})) == "allowed"
    assert decide(like, s3("*", context={**star, "s3:prefix": "zz/a"})) == "implicitDeny"


def test_special_characters():
    # IAM UG: ${*}, ${?}, ${$} stand for literal *, ?, $.
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${*}${?}${$}"}
    assert decide(stmt, s3("arn:aws:s3:::b/*?$")) == "allowed"
    assert decide(stmt, s3("arn:aws:s3:::b/ab$")) == "implicitDeny"


def test_default_value_when_key_missing():
    # IAM UG: ${aws:PrincipalTag/team, 'company-wide'}.
    stmt = {"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team, 'company-wide'}/*"}
    assert decide(stmt, s3("arn:aws:s3:::b/company-wide/x")) == "allowed"
    assert decide(stmt, s3("arn:aws:s3:::b/red/x", context={"aws:PrincipalTag/team": "red"})) == "allowed"
    assert decide(stmt, s3("arn:aws:s3:::b/company-wide/x", context={"aws:PrincipalTag/team": "red"})) == "implicitDeny"


def test_variable_names_are_case_insensitive():
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${AWS:UserName}"}
    assert decide(stmt, s3("arn:aws:s3:::b/alice")) == "allowed"


@pytest.mark.parametrize("op,value,expected_with,expected_missing", [
    ("StringEquals", "${aws:username}", True, False),
    ("StringLike", "${aws:username}*", True, False),
    ("StringNotEquals", "${aws:username}", False, True),  # no value: StringNotEquals matches
    ("StringEqualsIgnoreCase", "${aws:username}", True, False),
])
def test_variables_in_string_condition_values(op, value, expected_with, expected_missing):
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {op: {"aws:PrincipalTag/owner": value}}}
    ctx = {"aws:PrincipalTag/owner": "alice"}
    assert (decide(stmt, s3("*", ALICE, ctx)) == "allowed") is expected_with
    assert (decide(stmt, s3("*", SESSION, ctx)) == "allowed") is expected_missing


def test_abac_principal_tag_equals_resource_tag():
    # IAM UG, ABAC tutorial: aws:ResourceTag/project = ${aws:PrincipalTag/project}.
    stmt = {"Effect": "Allow", "Action": "apprunner:PauseService", "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/project": "${aws:PrincipalTag/project}"}}}
    r = lambda p, r_: Request(ALICE, "apprunner:PauseService", "*", context={
        "aws:PrincipalTag/project": p, "aws:ResourceTag/project": r_})
    assert decide(stmt, r("blue", "blue")) == "allowed"
    assert decide(stmt, r("blue", "red")) == "implicitDeny"


def test_variables_in_arn_condition_values():
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:iam::${aws:PrincipalAccount}:role/*"}}}
    ok = {"aws:SourceArn": f"arn:aws:iam::{A}:role/x"}
    assert decide(stmt, s3("*", ALICE, ok)) == "allowed"
    assert decide(stmt, s3("*", ALICE, {"aws:SourceArn": "arn:aws:iam::999999999999:role/x"})) == "implicitDeny"


def test_multi_valued_keys_cannot_be_variables():
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringEquals": {"s3:prefix": "${aws:TagKeys}"}}}
    assert decide(stmt, s3("*", context={"aws:TagKeys": ["a"], "s3:prefix": "a"})) == "implicitDeny"


def test_principal_derived_keys_are_variables_too():
    stmt = {"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/${aws:PrincipalAccount}/${aws:PrincipalType}"}
    assert decide(stmt, s3(f"arn:aws:s3:::b/{A}/User")) == "allowed"
    assert decide(stmt, s3(f"arn:aws:s3:::b/{A}/AssumedRole", SESSION)) == "allowed"
