"""Conformance: the decision procedure (IAM UG, *Policy evaluation logic*; PrivateLink Guide,
*Control access to VPC endpoints using endpoint policies*). Each test names the rule it checks."""

import pytest

from runnerlink.policy import Request, compile_policy, evaluate

A = "111122223333"
B = "444455556666"
ALICE = f"arn:aws:iam::{A}:user/alice"
BOB_B = f"arn:aws:iam::{B}:user/bob"
ROLE = f"arn:aws:iam::{A}:role/app"
SESSION = f"arn:aws:sts::{A}:assumed-role/app/s1"
SVC = f"arn:aws:apprunner:us-east-1:{A}:service/web/0123456789abcdef0123456789abcdef"
BUCKET_OBJ = "arn:aws:s3:::bucket/key"


def policy(kind, *statements, name=None):
    return compile_policy({"Version": "2012-10-17", "Statement": list(statements)}, kind, name)


def allow(action="*", resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action="*", resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def rallow(principal, action="*", resource="*", **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource, **extra}


def req(principal=ALICE, action="apprunner:DescribeService", resource=SVC, **kw):
    return Request(principal, action, resource, **kw)


ALLOW_ALL = policy("identity", allow())
ENDPOINT_ALL = policy("endpoint", rallow("*"))


# --- 1.1 decision order: explicit deny, then guardrails, then grants --------------------------------


def test_no_policies_is_implicit_deny():
    # IAM UG, Policy evaluation logic: "By default, all requests are implicitly denied".
    d = evaluate(req())
    assert d.decision == "implicitDeny" and d.blocked_by == ["identity"] and d.matched == []


def test_identity_allow_allows_and_names_the_statement():
    p = policy("identity", allow("apprunner:DescribeService", Sid="Read"), name="dev")
    d = evaluate(req(), identity=[p])
    assert d.decision == "allowed" and d.allowed
    assert [(m.policy_type, m.policy, m.sid, m.index, m.effect) for m in d.matched] == [
        ("identity", "dev", "Read", 0, "Allow")]
    assert d.blocked_by == []


def test_explicit_deny_overrides_allow_and_lists_only_denies():
    # IAM UG: "An explicit deny in any of these policies overrides the allow."
    p = policy("identity", allow(Sid="All"), deny("apprunner:Describe*", Sid="NoRead"))
    d = evaluate(req(), identity=[p])
    assert d.decision == "explicitDeny"
    assert [m.sid for m in d.matched] == ["NoRead"] and d.blocked_by == ["identity"]


@pytest.mark.parametrize("slot", ["endpoint", "boundaries", "session", "scps", "rcps", "resource", "identity"])
def test_a_deny_in_any_policy_type_is_final(slot):
    # IAM UG, enforcement code logic step 1: deny evaluation covers every applicable policy.
    kinds = {"endpoint": "endpoint", "boundaries": "boundary", "session": "session", "scps": "scp",
             "rcps": "rcp", "resource": "resource", "identity": "identity"}
    kind = kinds[slot]
    stmt = deny() if kind not in ("endpoint", "resource", "rcp") else {**deny(), "Principal": "*"}
    denying = policy(kind, stmt)
    full = policy(kind, allow() if kind not in ("endpoint", "resource", "rcp") else rallow("*"))
    args = {"identity": [ALLOW_ALL], "endpoint": [full], "boundaries": [full], "session": full,
            "scps": [[full]], "rcps": [[full]], "resource": full}
    args = {k: v for k, v in args.items() if k == "identity" or k == slot}
    if slot == "identity":
        args["identity"] = [ALLOW_ALL, denying]
    elif slot in ("endpoint", "boundaries"):
        args[slot] = [denying]
    elif slot in ("scps", "rcps"):
        args[slot] = [[full], [denying]]
    else:
        args[slot] = denying
    d = evaluate(req(), **args)
    assert d.decision == "explicitDeny" and d.blocked_by == [kind]


def test_deny_statements_from_several_policies_are_all_reported():
    p1 = policy("identity", deny(Sid="D1"), name="p1")
    ep = policy("endpoint", {**deny(), "Principal": "*", "Sid": "D2"}, name="vpce")
    d = evaluate(req(), identity=[ALLOW_ALL, p1], endpoint=[ep])
    assert d.decision == "explicitDeny"
    assert {(m.policy, m.sid) for m in d.matched} == {("p1", "D1"), ("vpce", "D2")}
    assert sorted(d.blocked_by) == ["endpoint", "identity"]


# --- VPC endpoint policies (PrivateLink Guide) ---------------------------------------------------------


def test_endpoint_policy_never_grants_on_its_own():
    # PrivateLink Guide: an endpoint policy "does not grant any permissions" by itself.
    d = evaluate(req(), endpoint=[ENDPOINT_ALL])
    assert d.decision == "implicitDeny" and d.blocked_by == ["identity"]


def test_endpoint_policy_without_a_matching_allow_blocks():
    ep = policy("endpoint", rallow("*", "apprunner:List*"))
    d = evaluate(req(), identity=[ALLOW_ALL], endpoint=[ep])
    assert d.decision == "implicitDeny" and d.blocked_by == ["endpoint"]
    assert [m.policy_type for m in d.matched] == ["identity"]  # what did allow is still shown


def test_default_endpoint_policy_is_full_access():
    # PrivateLink Guide: the default policy allows every principal, action and resource.
    d = evaluate(req(), identity=[ALLOW_ALL], endpoint=[ENDPOINT_ALL])
    assert d.decision == "allowed"
    assert {m.policy_type for m in d.matched} == {"identity", "endpoint"}


def test_endpoint_policy_applies_to_anonymous_callers_too():
    ep = policy("endpoint", rallow("*", "s3:GetObject"))
    bucket = policy("resource", rallow("*", "s3:GetObject", "arn:aws:s3:::bucket/*"))
    anon = Request("anonymous", "s3:GetObject", BUCKET_OBJ, resource_account=A)
    assert evaluate(anon, resource=bucket, endpoint=[ep]).decision == "allowed"
    ep_no = policy("endpoint", rallow("*", "s3:ListBucket"))
    d = evaluate(anon, resource=bucket, endpoint=[ep_no])
    assert d.decision == "implicitDeny" and d.blocked_by == ["endpoint"]


def test_endpoint_policy_restricting_principals_with_principal_arn_condition():
    # PrivateLink Guide example: Principal "*" with aws:PrincipalArn in a condition.
    ep = policy("endpoint", rallow("*", "apprunner:*", Condition={
        "ArnEquals": {"aws:PrincipalArn": ROLE}}))
    assert evaluate(req(SESSION), identity=[ALLOW_ALL], endpoint=[ep]).decision == "allowed"
    assert evaluate(req(ALICE), identity=[ALLOW_ALL], endpoint=[ep]).blocked_by == ["endpoint"]


def test_endpoint_policy_with_source_vpce_condition_in_identity_policy():
    # PrivateLink Guide: identity policies can in turn test aws:SourceVpce.
    ident = policy("identity", allow("apprunner:*", Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}))
    through = req(context={"aws:SourceVpce": "vpce-1a2b3c4d"})
    assert evaluate(through, identity=[ident], endpoint=[ENDPOINT_ALL]).decision == "allowed"
    assert evaluate(req(), identity=[ident]).decision == "implicitDeny"


# --- SCPs and RCPs: every level must allow (IAM UG, enforcement code logic steps 2-3) ----------------


def test_scp_every_level_needs_an_allow():
    full = policy("scp", allow(), name="FullAWSAccess")
    only_s3 = policy("scp", allow("s3:*"), name="s3only")
    assert evaluate(req(), identity=[ALLOW_ALL], scps=[[full], [full]]).decision == "allowed"
    d = evaluate(req(), identity=[ALLOW_ALL], scps=[[full], [only_s3]])
    assert d.decision == "implicitDeny" and d.blocked_by == ["scp"]


def test_scp_level_allows_if_any_policy_at_that_level_allows():
    only_s3 = policy("scp", allow("s3:*"))
    apprunner = policy("scp", allow("apprunner:*"))
    assert evaluate(req(), identity=[ALLOW_ALL], scps=[[only_s3, apprunner]]).decision == "allowed"


def test_scp_level_with_no_policies_denies():
    assert evaluate(req(), identity=[ALLOW_ALL], scps=[[]]).blocked_by == ["scp"]


def test_scp_never_grants_on_its_own():
    full = policy("scp", allow())
    assert evaluate(req(), scps=[[full]]).decision == "implicitDeny"


def test_rcp_levels_like_scps():
    full = policy("rcp", rallow("*"))
    # RCPs allow only through RCPFullAWSAccess; a level holding just a Deny has no Allow.
    narrow = policy("rcp", {**deny("s3:*"), "Principal": "*"})
    assert evaluate(req(), identity=[ALLOW_ALL], rcps=[[full]]).decision == "allowed"
    d = evaluate(req(), identity=[ALLOW_ALL], rcps=[[full], [narrow]])
    assert d.decision == "implicitDeny" and d.blocked_by == ["rcp"]


# --- permissions boundaries and session policies (IAM UG, *Permissions boundaries*, *Session policies*) ---


def test_boundary_must_also_allow():
    boundary = policy("boundary", allow("s3:*"))
    d = evaluate(req(), identity=[ALLOW_ALL], boundaries=[boundary])
    assert d.decision == "implicitDeny" and d.blocked_by == ["boundary"]
    wide = policy("boundary", allow("apprunner:*"))
    assert evaluate(req(), identity=[ALLOW_ALL], boundaries=[wide]).decision == "allowed"


def test_boundary_never_grants_on_its_own():
    boundary = policy("boundary", allow())
    d = evaluate(req(), boundaries=[boundary])
    assert d.decision == "implicitDeny" and d.blocked_by == ["identity"]


def test_session_policy_must_also_allow():
    sess = policy("session", allow("s3:*"))
    d = evaluate(req(SESSION), identity=[ALLOW_ALL], session=sess)
    assert d.decision == "implicitDeny" and d.blocked_by == ["session"]
    assert evaluate(req(SESSION), identity=[ALLOW_ALL], session=policy("session", allow())).allowed


def test_session_policy_never_grants_on_its_own():
    assert evaluate(req(SESSION), session=policy("session", allow())).blocked_by == ["identity"]


def test_several_session_policies_allow_together():
    # An inline session policy and managed PolicyArns: any of them allowing is the session policy allowing.
    only_s3, only_apprunner = policy("session", allow("s3:*")), policy("session", allow("apprunner:Describe*"))
    assert evaluate(req(SESSION), identity=[ALLOW_ALL], session=[only_s3, only_apprunner]).allowed
    assert evaluate(req(SESSION), identity=[ALLOW_ALL], session=(only_s3,)).blocked_by == ["session"]
    denying = policy("session", deny("apprunner:*"))
    assert evaluate(req(SESSION), identity=[ALLOW_ALL],
                    session=[only_apprunner, denying]).decision == "explicitDeny"
    assert evaluate(req(SESSION), identity=[ALLOW_ALL], session=[]).allowed  # no session policy: no limit


def test_scp_level_of_policies_matching_nothing_denies():
    # A level whose policies' statements all miss the request (or only deny other actions) allows nothing.
    only_s3 = policy("scp", allow("s3:*"))
    deny_ec2 = policy("scp", deny("ec2:*"))
    assert evaluate(req(), identity=[ALLOW_ALL], scps=[[only_s3, deny_ec2]]).blocked_by == ["scp"]
    assert evaluate(req(), identity=[ALLOW_ALL], scps=[[policy("scp", allow())], []]).blocked_by == ["scp"]
    assert evaluate(req(), identity=[ALLOW_ALL], scps=[]).allowed  # no organization: no SCP applies


def trust(principal, **extra):
    return policy("trust", {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra})


def assume(principal=ALICE):
    return Request(principal, "sts:AssumeRole", f"arn:aws:iam::{A}:role/target")


def test_trust_policy_must_allow_even_when_the_identity_allows():
    d = evaluate(assume(), identity=[ALLOW_ALL], resource=trust({"Service": "apprunner.amazonaws.com"}),
                 resource_required=True)
    assert d.decision == "implicitDeny" and d.blocked_by == ["resource"]


def test_trust_policy_naming_the_account_or_everyone_needs_the_identity_side():
    for element in ({"AWS": A}, {"AWS": "*"}, "*"):
        d = evaluate(assume(), resource=trust(element), resource_required=True)
        assert d.blocked_by == ["identity"], element
        assert evaluate(assume(), identity=[ALLOW_ALL], resource=trust(element), resource_required=True).allowed


def test_trust_policy_naming_the_exact_user_needs_no_identity_permission_in_the_same_account():
    assert evaluate(assume(), resource=trust({"AWS": ALICE}), resource_required=True).allowed
    assert evaluate(assume(SESSION), resource=trust({"AWS": SESSION}), resource_required=True).allowed
    # naming the caller's role is not naming the session
    assert evaluate(assume(SESSION), resource=trust({"AWS": ROLE}),
                    resource_required=True).blocked_by == ["identity"]
    # across accounts the identity side always has to allow
    bob = Request(BOB_B, "sts:AssumeRole", f"arn:aws:iam::{A}:role/target")
    assert evaluate(bob, resource=trust({"AWS": BOB_B}), resource_required=True).blocked_by == ["identity"]
    assert evaluate(bob, resource=trust({"AWS": BOB_B}), identity=[ALLOW_ALL], resource_required=True).allowed


# --- resource-based policies in the same account (IAM UG, *Policy evaluation logic*, resource-based) ---

S3_GET = "s3:GetObject"


def s3req(principal=ALICE, **kw):
    return Request(principal, S3_GET, BUCKET_OBJ, resource_account=A, **kw)


def bucket(principal):
    return policy("resource", rallow(principal, S3_GET, "arn:aws:s3:::bucket/*", Sid="Grant"), name="bucket")


def test_same_account_resource_policy_naming_the_user_allows_without_identity_policy():
    d = evaluate(s3req(), resource=bucket({"AWS": ALICE}))
    assert d.decision == "allowed" and [(m.policy_type, m.sid) for m in d.matched] == [("resource", "Grant")]


def test_same_account_resource_policy_naming_another_user_does_not():
    d = evaluate(s3req(), resource=bucket({"AWS": f"arn:aws:iam::{A}:user/other"}))
    assert d.decision == "implicitDeny" and d.blocked_by == ["identity"]


@pytest.mark.parametrize("account", [A, f"arn:aws:iam::{A}:root"])
def test_same_account_resource_policy_naming_the_account_only_delegates_to_iam(account):
    # "An Allow to the account only delegates to IAM": identity policies must still allow.
    assert evaluate(s3req(), resource=bucket({"AWS": account})).decision == "implicitDeny"
    assert evaluate(s3req(), resource=bucket({"AWS": account}), identity=[ALLOW_ALL]).decision == "allowed"


def test_user_arn_grant_is_not_limited_by_boundary_implicit_deny():
    boundary = policy("boundary", allow("ec2:*"))
    assert evaluate(s3req(), resource=bucket({"AWS": ALICE}), boundaries=[boundary]).decision == "allowed"


def test_user_arn_grant_is_still_stopped_by_boundary_explicit_deny():
    boundary = policy("boundary", deny("s3:*"))
    assert evaluate(s3req(), resource=bucket({"AWS": ALICE}), boundaries=[boundary]).decision == "explicitDeny"


def test_role_arn_grant_is_limited_by_boundary_implicit_deny():
    # IAM UG: a resource policy naming the role ARN is limited by an implicit deny in the boundary.
    boundary = policy("boundary", allow("ec2:*"))
    d = evaluate(s3req(SESSION), resource=bucket({"AWS": ROLE}), boundaries=[boundary])
    assert d.decision == "implicitDeny" and "boundary" in d.blocked_by
    assert evaluate(s3req(SESSION), resource=bucket({"AWS": ROLE})).decision == "allowed"


def test_session_arn_grant_bypasses_boundary_and_session_policy_implicit_denies():
    boundary = policy("boundary", allow("ec2:*"))
    sess = policy("session", allow("ec2:*"))
    d = evaluate(s3req(SESSION), resource=bucket({"AWS": SESSION}), boundaries=[boundary], session=sess)
    assert d.decision == "allowed"


def test_role_arn_grant_is_limited_by_session_policy_implicit_deny():
    sess = policy("session", allow("ec2:*"))
    d = evaluate(s3req(SESSION), resource=bucket({"AWS": ROLE}), session=sess)
    assert d.decision == "implicitDeny" and "session" in d.blocked_by


def test_role_grant_matches_role_with_path_for_sessions_without_path():
    with_path = f"arn:aws:iam::{A}:role/team/app"
    assert evaluate(s3req(SESSION), resource=bucket({"AWS": with_path})).decision == "allowed"


def test_resource_grant_still_needs_the_guardrails():
    ep = policy("endpoint", rallow("*", "apprunner:*"))
    d = evaluate(s3req(), resource=bucket({"AWS": ALICE}), endpoint=[ep])
    assert d.decision == "implicitDeny" and d.blocked_by == ["endpoint"]
    scp = policy("scp", allow("apprunner:*"))
    assert evaluate(s3req(), resource=bucket({"AWS": ALICE}), scps=[[scp]]).blocked_by == ["scp"]


def test_wildcard_principal_grant_in_same_account_is_not_limited_by_implicit_denies():
    # issue 11 / IAM UG: within the account a resource policy allowing "*" grants a user or a role session even
    # when its permissions boundary or session policy implicitly denies; an explicit deny still wins.
    assert evaluate(s3req(), resource=bucket("*")).decision == "allowed"
    boundary = policy("boundary", allow("ec2:*"))
    for element in ("*", {"AWS": "*"}):
        assert evaluate(s3req(), resource=bucket(element), boundaries=[boundary]).decision == "allowed"
        assert evaluate(s3req(SESSION), resource=bucket(element), boundaries=[boundary],
                        session=policy("session", allow("ec2:*"))).decision == "allowed"
    assert evaluate(s3req(), resource=bucket({"AWS": "*"}),
                    boundaries=[policy("boundary", deny("s3:*"))]).decision == "explicitDeny"


def test_wildcard_principal_grant_across_accounts_still_needs_the_identity_side():
    r = Request(BOB_B, S3_GET, BUCKET_OBJ, resource_account=A)
    assert evaluate(r, resource=bucket({"AWS": "*"})).blocked_by == ["identity"]
    assert evaluate(r, resource=bucket({"AWS": "*"}), identity=[policy("identity", allow(S3_GET))]).allowed


# --- cross-account (IAM UG, *Cross-account policy evaluation logic*) ---------------------------------


def test_cross_account_needs_both_sides():
    grant_b = bucket({"AWS": B})
    bob_ident = policy("identity", allow(S3_GET))
    r = Request(BOB_B, S3_GET, BUCKET_OBJ, resource_account=A)
    d = evaluate(r, identity=[bob_ident])
    assert d.decision == "implicitDeny" and d.blocked_by == ["resource"]
    d = evaluate(r, resource=grant_b)
    assert d.decision == "implicitDeny" and d.blocked_by == ["identity"]
    assert evaluate(r, identity=[bob_ident], resource=grant_b).decision == "allowed"


def test_cross_account_user_grant_still_needs_identity_and_boundary():
    r = Request(BOB_B, S3_GET, BUCKET_OBJ, resource_account=A)
    grant = bucket({"AWS": BOB_B})
    assert evaluate(r, resource=grant).decision == "implicitDeny"
    boundary = policy("boundary", allow("ec2:*"))
    d = evaluate(r, resource=grant, identity=[ALLOW_ALL], boundaries=[boundary])
    assert d.decision == "implicitDeny" and d.blocked_by == ["boundary"]


def test_cross_account_app_runner_call_without_resource_policy_is_implicit_deny():
    # Reference 1.1: App Runner has no resource-based policies.
    r = req(BOB_B)
    d = evaluate(r, identity=[ALLOW_ALL])
    assert d.decision == "implicitDeny" and d.blocked_by == ["resource"]


def test_resource_account_derived_from_the_arn_when_not_given():
    assert evaluate(req(BOB_B), identity=[ALLOW_ALL]).decision == "implicitDeny"
    assert evaluate(req(ALICE), identity=[ALLOW_ALL]).decision == "allowed"
    # An explicit resource_account wins over the ARN.
    assert evaluate(req(BOB_B, resource_account=B), identity=[ALLOW_ALL]).decision == "allowed"


def test_anonymous_only_a_resource_policy_grants():
    anon = Request("anonymous", S3_GET, BUCKET_OBJ, resource_account=A)
    assert evaluate(anon, identity=[ALLOW_ALL]).decision == "implicitDeny"
    assert evaluate(anon, resource=bucket("*")).decision == "allowed"
    assert evaluate(anon, resource=bucket({"AWS": A})).decision == "implicitDeny"


def test_service_principal_in_resource_policy():
    r = Request("apprunner.amazonaws.com", S3_GET, BUCKET_OBJ, resource_account=A)
    assert evaluate(r, resource=bucket({"Service": "apprunner.amazonaws.com"})).decision == "allowed"
    assert evaluate(r, resource=bucket({"Service": "ec2.amazonaws.com"})).decision == "implicitDeny"


# --- endpoint policies naming principals (reference 1.2: interface endpoints unsure) ------------------


def test_endpoint_policy_principals_are_matched_as_in_resource_policies():
    # Our choice for the unsure case: an endpoint policy's Principal is evaluated exactly as in a
    # resource-based policy, and (being a guardrail) it still grants nothing.
    ep = policy("endpoint", rallow({"AWS": ROLE}, "apprunner:*"))
    assert evaluate(req(SESSION), identity=[ALLOW_ALL], endpoint=[ep]).decision == "allowed"
    assert evaluate(req(ALICE), identity=[ALLOW_ALL], endpoint=[ep]).blocked_by == ["endpoint"]
    assert evaluate(req(SESSION), endpoint=[ep]).decision == "implicitDeny"


def test_federated_user_session_arn_grant_bypasses_session_policy():
    fed = f"arn:aws:sts::{A}:federated-user/carol"
    sess = policy("session", allow("ec2:*"))
    assert evaluate(s3req(fed), resource=bucket({"AWS": fed}), session=sess).decision == "allowed"
    assert evaluate(s3req(fed), identity=[ALLOW_ALL], session=sess).blocked_by == ["session"]


def test_matched_statements_cover_every_policy_that_allowed():
    boundary = policy("boundary", allow(Sid="B"), name="pb")
    scp = policy("scp", allow(Sid="S"), name="full")
    d = evaluate(req(), identity=[policy("identity", allow(Sid="I"), name="id")], boundaries=[boundary],
                 scps=[[scp]], endpoint=[policy("endpoint", rallow("*", Sid="E"), name="vpce")])
    assert d.decision == "allowed"
    assert {(m.policy_type, m.policy, m.sid) for m in d.matched} == {
        ("identity", "id", "I"), ("boundary", "pb", "B"), ("scp", "full", "S"), ("endpoint", "vpce", "E")}


def test_several_guardrails_blocking_are_all_named():
    ep = policy("endpoint", rallow("*", "s3:*"))
    scp = policy("scp", allow("s3:*"))
    boundary = policy("boundary", allow("s3:*"))
    d = evaluate(req(), identity=[ALLOW_ALL], endpoint=[ep], scps=[[scp]], boundaries=[boundary])
    assert d.decision == "implicitDeny" and d.blocked_by == ["endpoint", "scp", "boundary"]


def test_policy_error_carries_the_validator_messages():
    from runnerlink.policy import PolicyError
    with pytest.raises(PolicyError) as info:
        compile_policy({"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]},
                       "identity")
    assert info.value.messages and str(info.value) == info.value.messages[0]
