"""Conformance: matching one statement — Action/NotAction, Resource/NotResource, Principal/NotPrincipal
(IAM UG, *IAM JSON policy elements*), the principal-derived context keys, and compile errors."""

import pytest

from runnerlink.policy import PolicyError, Request, compile_policy, evaluate

A = "111122223333"
B = "444455556666"
ALICE = f"arn:aws:iam::{A}:user/alice"
ROLE = f"arn:aws:iam::{A}:role/app"
SESSION = f"arn:aws:sts::{A}:assumed-role/app/s1"
SVC = f"arn:aws:apprunner:us-east-1:{A}:service/web/0123456789abcdef0123456789abcdef"


def identity(*statements):
    return compile_policy({"Version": "2012-10-17", "Statement": list(statements)}, "identity")


def allowed(statement, action="apprunner:DescribeService", resource=SVC, principal=ALICE, context=None):
    r = Request(principal, action, resource, context=context or {})
    return evaluate(r, identity=[identity(statement)]).decision == "allowed"


# --- Action (IAM UG, *Action*) ------------------------------------------------------------------------

@pytest.mark.parametrize("pattern,action,expected", [
    ("apprunner:DescribeService", "apprunner:DescribeService", True),
    ("APPRUNNER:describeservice", "apprunner:DescribeService", True),  # prefix and name case-insensitive
    ("apprunner:DescribeService", "AppRunner:DESCRIBESERVICE", True),
    ("apprunner:Describe*", "apprunner:DescribeService", True),
    ("apprunner:*Service", "apprunner:DescribeService", True),
    ("apprunner:*", "apprunner:DescribeService", True),
    ("*", "apprunner:DescribeService", True),
    ("apprunner:Describe?ervice", "apprunner:DescribeService", True),
    ("apprunner:Describe?", "apprunner:DescribeService", False),  # ? is exactly one character
    ("apprunner:Describe", "apprunner:DescribeService", False),
    ("ec2:DescribeService", "apprunner:DescribeService", False),
    ("apprunner:Describe.ervice", "apprunner:DescribeService", False),  # regex characters are literal
])
def test_action_matching(pattern, action, expected):
    assert allowed({"Effect": "Allow", "Action": pattern, "Resource": "*"}, action=action) is expected


@pytest.mark.parametrize("pattern", ["apprunner:Describe*,apprunner:List*", "apprunner: DescribeService",
                                     "apprunner:", "DescribeService"])
def test_malformed_action_patterns_match_nothing(pattern):
    # iam-simulate commas.json / whitespaceActions.json; the validator rejects most of these first.
    from runnerlink.policy.actions import ActionMatcher
    assert not ActionMatcher([pattern]).matches("apprunner:describeservice")


def test_action_list_is_or():
    stmt = {"Effect": "Allow", "Action": ["ec2:*", "apprunner:Describe*"], "Resource": "*"}
    assert allowed(stmt) and not allowed(stmt, action="apprunner:DeleteService")


def test_not_action_with_allow_allows_everything_else():
    # IAM UG, NotAction: "Allow ... NotAction iam:*" allows every non-IAM action.
    stmt = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    assert allowed(stmt) and not allowed(stmt, action="iam:CreateUser")


def test_not_action_with_deny_denies_everything_except():
    # IAM UG, NotAction with Deny: deny all actions except those listed.
    p = identity({"Effect": "Allow", "Action": "*", "Resource": "*"},
                 {"Effect": "Deny", "NotAction": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"})
    assert evaluate(Request(ALICE, "apprunner:DescribeService", SVC), identity=[p]).decision == "allowed"
    assert evaluate(Request(ALICE, "apprunner:DeleteService", SVC), identity=[p]).decision == "explicitDeny"


# --- Resource (IAM UG, *Resource*; reference 1.2) -----------------------------------------------------

@pytest.mark.parametrize("pattern,resource,expected", [
    (SVC, SVC, True),
    ("*", SVC, True),
    (f"arn:aws:apprunner:us-east-1:{A}:service/*", SVC, True),  # * in the resource part crosses '/'
    (f"arn:aws:apprunner:*:{A}:service/web/*", SVC, True),
    (f"arn:aws:apprunner:us-east-?:{A}:service/web/*", SVC, True),
    (f"arn:aws:apprunner:us-east-1:*:service/web/*", SVC, True),
    (f"arn:aws:apprunner:us-east-1:{B}:service/*", SVC, False),
    (f"arn:aws:apprunner:us-east-1:{A}:service/WEB/*", SVC, False),  # the resource part is case-sensitive
    (f"arn:aws:apprunner:us-east-1:{A}:service/web/*", SVC.replace("apprunner:us-east-1", "AppRunner:US-EAST-1"),
     True),  # the other segments are not (iam-simulate)
    (f"arn:aws:apprunner:us-east-1:{A}:vpcconnector/*", SVC, False),
    ("arn:aws:apprunner:*", SVC, True),  # a trailing * runs across the remaining segments
    ("arn:aws:apprunner:us-east-1*", SVC, True),
    (f"arn:aws:apprunner:us-east-1:{A}", SVC, False),  # too few segments, no trailing *
    ("arn:aws:apprunner:*:service/*", SVC, False),  # a wildcard inside the first five stays in its segment
    (f"arn:aws:apprunner:us-east-1:{A}:service/web/0123456789abcdef0123456789abcdef/x", SVC, False),
])
def test_resource_matching(pattern, resource, expected):
    assert allowed({"Effect": "Allow", "Action": "apprunner:*", "Resource": pattern}, resource=resource) is expected


def test_resource_with_colons_in_the_resource_part():
    stmt = {"Effect": "Allow", "Action": "logs:*", "Resource": f"arn:aws:logs:us-east-1:{A}:log-group:/aws/*"}
    assert allowed(stmt, "logs:GetLogEvents", f"arn:aws:logs:us-east-1:{A}:log-group:/aws/apprunner:log-stream:x")


def test_wildcard_only_actions_match_only_star_resources():
    # Reference 1.2: a List* action is authorized against "*"; a statement naming an ARN doesn't match it.
    specific = {"Effect": "Allow", "Action": "apprunner:ListServices", "Resource": f"arn:aws:apprunner:*:{A}:service/*"}
    assert not allowed(specific, "apprunner:ListServices", "*")
    assert allowed({**specific, "Resource": "*"}, "apprunner:ListServices", "*")


def test_not_resource():
    # IAM UG, NotResource: matches every resource not listed.
    stmt = {"Effect": "Allow", "Action": "apprunner:*", "NotResource": f"arn:aws:apprunner:*:{A}:service/prod-*"}
    assert allowed(stmt)
    assert not allowed(stmt, resource=f"arn:aws:apprunner:us-east-1:{A}:service/prod-api/1")
    assert allowed(stmt, "apprunner:ListServices", "*")


def test_deny_with_not_resource_denies_everything_else():
    # Reference 3.2: moto returns PERMITTED here; AWS denies.
    p = identity({"Effect": "Allow", "Action": "*", "Resource": "*"},
                 {"Effect": "Deny", "Action": "apprunner:*", "NotResource": f"arn:aws:apprunner:*:{A}:service/dev-*"})
    other = Request(ALICE, "apprunner:DeleteService", SVC)
    dev = Request(ALICE, "apprunner:DeleteService", f"arn:aws:apprunner:us-east-1:{A}:service/dev-x/1")
    assert evaluate(other, identity=[p]).decision == "explicitDeny"
    assert evaluate(dev, identity=[p]).decision == "allowed"


# --- Principal / NotPrincipal (IAM UG, *AWS JSON policy elements: Principal / NotPrincipal*) ------------

OBJ = "arn:aws:s3:::bucket/key"


def resource_decision(element, principal, key="Principal", effect="Allow", identity_policies=(), **kw):
    stmt = {"Effect": effect, key: element, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}
    doc = {"Version": "2012-10-17", "Statement": [stmt]}
    r = Request(principal, "s3:GetObject", OBJ, resource_account=A)
    return evaluate(r, resource=compile_policy(doc, "resource"), identity=list(identity_policies), **kw)


ALL = identity({"Effect": "Allow", "Action": "*", "Resource": "*"})


@pytest.mark.parametrize("element,principal,expected", [
    ("*", ALICE, "allowed"),
    ({"AWS": "*"}, ALICE, "allowed"),
    ({"AWS": ALICE}, ALICE, "allowed"),
    ({"AWS": [f"arn:aws:iam::{A}:user/bob", ALICE]}, ALICE, "allowed"),
    ({"AWS": f"arn:aws:iam::{A}:user/Alice"}, ALICE, "implicitDeny"),  # user names are case-sensitive
    ({"AWS": ROLE}, SESSION, "allowed"),  # a role ARN matches its sessions
    ({"AWS": SESSION}, SESSION, "allowed"),
    ({"AWS": f"arn:aws:sts::{A}:assumed-role/app/other"}, SESSION, "implicitDeny"),
    ({"AWS": f"arn:aws:iam::{A}:role/other"}, SESSION, "implicitDeny"),
    ({"Service": "apprunner.amazonaws.com"}, "apprunner.amazonaws.com", "allowed"),
    ({"Federated": "cognito-identity.amazonaws.com"}, "cognito-identity.amazonaws.com", "allowed"),
])
def test_principal_forms(element, principal, expected):
    assert resource_decision(element, principal).decision == expected


def test_account_principal_matches_every_principal_of_the_account_cross_account():
    bob = f"arn:aws:iam::{B}:user/bob"
    for element in ({"AWS": B}, {"AWS": f"arn:aws:iam::{B}:root"}):
        assert resource_decision(element, bob, identity_policies=[ALL]).decision == "allowed"
        assert resource_decision(element, ALICE.replace(A, "999999999999"),
                                 identity_policies=[ALL]).decision == "implicitDeny"


def test_not_principal_with_deny_excludes_listed_principals():
    # IAM UG, NotPrincipal: "deny access to all principals except the principal specified".
    element = {"AWS": [ALICE, f"arn:aws:iam::{B}:root"]}
    assert resource_decision(element, ALICE, "NotPrincipal", "Deny", [ALL]).decision == "allowed"
    bob = f"arn:aws:iam::{A}:user/bob"
    assert resource_decision(element, bob, "NotPrincipal", "Deny", [ALL]).decision == "explicitDeny"


def test_not_principal_excludes_a_caller_any_of_whose_identities_is_listed():
    # issue 11: a Deny with NotPrincipal naming a role doesn't deny that role's sessions, nor naming a user that
    # user (without the account listed too).
    assert resource_decision({"AWS": ALICE}, ALICE, "NotPrincipal", "Deny", [ALL]).decision == "allowed"
    assert resource_decision({"AWS": ROLE}, SESSION, "NotPrincipal", "Deny", [ALL]).decision == "allowed"
    assert resource_decision({"AWS": SESSION}, SESSION, "NotPrincipal", "Deny", [ALL]).decision == "allowed"
    # Another session of another role, or another user, is still denied.
    other = f"arn:aws:sts::{A}:assumed-role/other/s1"
    assert resource_decision({"AWS": ROLE}, other, "NotPrincipal", "Deny", [ALL]).decision == "explicitDeny"
    assert resource_decision({"AWS": ROLE}, ALICE, "NotPrincipal", "Deny", [ALL]).decision == "explicitDeny"


def test_not_principal_naming_the_account_excludes_its_principals():
    for element in ({"AWS": A}, {"AWS": f"arn:aws:iam::{A}:root"}):
        assert resource_decision(element, SESSION, "NotPrincipal", "Deny", [ALL]).decision == "allowed"
        bob = f"arn:aws:iam::{B}:user/bob"
        assert resource_decision(element, bob, "NotPrincipal", "Deny", [ALL]).decision == "explicitDeny"


def test_not_principal_deny_applies_to_anonymous_callers():
    assert resource_decision({"AWS": ALICE}, "*", "NotPrincipal", "Deny", [ALL]).decision == "explicitDeny"


def test_allow_with_not_principal_naming_the_caller_does_not_allow_it():
    # issue 11: an Allow with NotPrincipal naming the caller must not allow it (same account, no identity policy).
    assert resource_decision({"AWS": ALICE}, ALICE, "NotPrincipal").decision == "implicitDeny"
    assert resource_decision({"AWS": ROLE}, SESSION, "NotPrincipal").decision == "implicitDeny"


def test_not_principal_deny_always_applies_to_a_principal_with_a_boundary():
    # IAM UG warning on NotPrincipal with Deny and permissions boundaries.
    element = {"AWS": [ALICE, f"arn:aws:iam::{A}:root"]}
    boundary = compile_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "boundary")
    d = resource_decision(element, ALICE, "NotPrincipal", "Deny", [ALL], boundaries=[boundary])
    assert d.decision == "explicitDeny"


def test_not_principal_with_allow_grants_everyone_else():
    assert resource_decision({"AWS": f"arn:aws:iam::{A}:user/bob"}, ALICE, "NotPrincipal").decision == "allowed"


# --- principal-derived context keys -------------------------------------------------------------------

def ctx(principal, **context):
    return Request(principal, "s3:GetObject", "*", context=context).ctx


def test_keys_for_an_iam_user():
    c = ctx(ALICE)
    assert c["aws:principalarn"] == ALICE and c["aws:principalaccount"] == A
    assert c["aws:principaltype"] == "User" and c["aws:username"] == "alice"


def test_keys_for_an_assumed_role_session_use_the_role_arn():
    c = ctx(SESSION)
    assert c["aws:principalarn"] == ROLE and c["aws:principaltype"] == "AssumedRole"
    assert "aws:username" not in c


def test_keys_for_root_and_federated_users():
    root = ctx(f"arn:aws:iam::{A}:root")
    assert root["aws:principaltype"] == "Account" and root["aws:userid"] == A
    fed = ctx(f"arn:aws:sts::{A}:federated-user/carol")
    assert fed["aws:principaltype"] == "FederatedUser" and fed["aws:userid"] == f"{A}:carol"


def test_context_wins_over_derived_keys_and_nothing_else_is_invented():
    c = ctx(ALICE, **{"aws:PrincipalArn": "arn:aws:iam::999999999999:user/x", "aws:userid": "AIDAEXAMPLE"})
    assert c["aws:principalarn"] == "arn:aws:iam::999999999999:user/x" and c["aws:userid"] == "AIDAEXAMPLE"
    assert set(ctx(ALICE)) == {"aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username"}
    assert ctx("anonymous") == {}


def test_principal_arn_condition_for_a_session():
    stmt = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"ArnLike": {"aws:PrincipalArn": ROLE}}}
    assert allowed(stmt, principal=SESSION) and not allowed(stmt, principal=ALICE)


# --- compile_policy -----------------------------------------------------------------------------------

def test_compile_accepts_json_text_and_a_single_statement_object():
    p = compile_policy('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}',
                       "identity", "text")
    assert p.name == "text" and len(p.statements) == 1 and p.policy_type == "identity"


@pytest.mark.parametrize("document", [
    "{not json",
    {"Version": "2012-10-17"},
    {"Version": "2012-10-17", "Statement": []},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*", "Resource": "*"}]},
])
def test_compile_rejects_documents_it_cannot_understand(document):
    with pytest.raises(PolicyError) as info:
        compile_policy(document, "identity")
    assert info.value.message


def test_unknown_policy_type_is_a_programming_error():
    with pytest.raises(ValueError):
        compile_policy({"Statement": []}, "bucket")


def test_request_is_frozen_and_hashable():
    r = Request(ALICE, "s3:GetObject", context={"aws:TagKeys": ["a"]})
    with pytest.raises(AttributeError):
        r.action = "x"  # type: ignore[misc]
    assert hash(r) == hash(Request(ALICE, "s3:GetObject", context={"other": "x"}))
