"""Property-based invariants of the decision procedure (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from runnerlink.policy import Request, compile_policy, evaluate

A = "111122223333"
PRINCIPALS = [f"arn:aws:iam::{A}:user/alice", f"arn:aws:sts::{A}:assumed-role/app/s1",
              "arn:aws:iam::444455556666:user/bob"]
ACTIONS = ["apprunner:CreateService", "apprunner:DeleteService", "apprunner:ListServices", "apprunner:PauseService",
           "ec2:DescribeVpcs"]
ACTION_PATTERNS = ["*", "apprunner:*", "apprunner:Create*", "apprunner:*Service", "apprunner:List*", "ec2:*",
                   "apprunner:DeleteService", "apprunner:?auseService"]
SVC = f"arn:aws:apprunner:us-east-1:{A}:service/web/0123456789abcdef0123456789abcdef"
RESOURCES = [SVC, "*", f"arn:aws:apprunner:us-east-1:{A}:vpcconnector/c/1/0123456789abcdef0123456789abcdef"]
RESOURCE_PATTERNS = ["*", f"arn:aws:apprunner:*:{A}:service/*", "arn:aws:apprunner:*:*:vpcconnector/*", SVC]
CONDITIONS = [
    None,
    {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
    {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
    {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}},
    {"ForAnyValue:StringLike": {"aws:TagKeys": "project*"}},
    {"Null": {"aws:SourceVpce": "true"}},
    {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
]
CONTEXTS = st.fixed_dictionaries({}, optional={
    "aws:SourceVpce": st.sampled_from(["vpce-1a2b3c4d", "vpce-other"]),
    "aws:SecureTransport": st.booleans(),
    "aws:TagKeys": st.lists(st.sampled_from(["team", "env", "cost", "project-x"]), max_size=3),
    "aws:SourceIp": st.sampled_from(["203.0.113.5", "198.51.100.5"]),
})

WITH_PRINCIPAL = {"resource", "endpoint", "rcp"}


@st.composite
def statements(draw, effect=None, kind="identity"):
    key = "NotAction" if draw(st.integers(0, 5)) == 0 else "Action"
    s = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
         key: draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3))}
    if draw(st.integers(0, 4)) == 0:
        s["NotResource"] = draw(st.sampled_from(RESOURCE_PATTERNS[1:]))
    else:
        s["Resource"] = draw(st.sampled_from(RESOURCE_PATTERNS))
    condition = draw(st.sampled_from(CONDITIONS))
    if condition:
        s["Condition"] = condition
    if kind in WITH_PRINCIPAL:
        s["Principal"] = "*" if kind != "resource" else draw(st.sampled_from(["*", {"AWS": PRINCIPALS[0]}, {"AWS": A}]))
    return s


def policy(kind, stmts):
    return compile_policy({"Version": "2012-10-17", "Statement": stmts}, kind)


@st.composite
def scenarios(draw):
    def maybe(kind, n=2):
        return [policy(kind, draw(st.lists(statements(kind=kind), min_size=1, max_size=n)))
                for _ in range(draw(st.integers(0, 1)))]

    identity = [policy("identity", draw(st.lists(statements(), min_size=1, max_size=4)))
                for _ in range(draw(st.integers(0, 2)))]
    resource = maybe("resource")
    session = maybe("session")
    return dict(identity=identity, resource=resource[0] if resource else None, boundaries=maybe("boundary"),
                endpoint=maybe("endpoint"), session=session[0] if session else None,
                scps=[maybe("scp") for _ in range(draw(st.integers(0, 2)))])


@st.composite
def requests(draw):
    return Request(draw(st.sampled_from(PRINCIPALS)), draw(st.sampled_from(ACTIONS)), draw(st.sampled_from(RESOURCES)),
                   context=draw(CONTEXTS))


DENY_ALL = {"identity": policy("identity", [{"Effect": "Deny", "Action": "*", "Resource": "*"}]),
            "endpoint": policy("endpoint", [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]),
            "boundary": policy("boundary", [{"Effect": "Deny", "Action": "*", "Resource": "*"}]),
            "session": policy("session", [{"Effect": "Deny", "Action": "*", "Resource": "*"}]),
            "scp": policy("scp", [{"Effect": "Deny", "Action": "*", "Resource": "*"}]),
            "resource": policy("resource", [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}])}
COMMON = settings(max_examples=200, deadline=None)


@COMMON
@given(scenarios(), requests(), st.sampled_from(sorted(DENY_ALL)))
def test_a_matching_deny_in_any_policy_always_wins(scenario, request, where):
    deny = DENY_ALL[where]
    if where == "identity":
        scenario["identity"] = scenario["identity"] + [deny]
    elif where in ("endpoint",):
        scenario["endpoint"] = scenario["endpoint"] + [deny]
    elif where == "boundary":
        scenario["boundaries"] = scenario["boundaries"] + [deny]
    elif where == "scp":
        scenario["scps"] = scenario["scps"] + [[deny]]
    else:
        scenario[where] = deny
    d = evaluate(request, **scenario)
    assert d.decision == "explicitDeny"
    assert all(m.effect == "Deny" for m in d.matched) and d.blocked_by


@COMMON
@given(scenarios(), requests())
def test_without_identity_or_resource_policies_nothing_is_allowed(scenario, request):
    # Endpoint policies, boundaries, session policies and SCPs never grant on their own.
    scenario.update(identity=[], resource=None)
    assert evaluate(request, **scenario).decision != "allowed"


@COMMON
@given(st.lists(statements(kind="endpoint"), min_size=1, max_size=3), requests())
def test_an_endpoint_policy_never_grants_on_its_own(stmts, request):
    assert evaluate(request, endpoint=[policy("endpoint", stmts)]).decision != "allowed"


@COMMON
@given(scenarios(), st.lists(statements(), min_size=1, max_size=4), requests(), statements(effect="Allow"))
def test_adding_an_allow_to_an_identity_policy_never_turns_allowed_into_denied(scenario, own, request, extra):
    others = scenario["identity"]
    scenario["identity"] = [policy("identity", own)] + others
    before = evaluate(request, **scenario).decision
    scenario["identity"] = [policy("identity", own + [extra])] + others
    after = evaluate(request, **scenario).decision
    if before == "allowed":
        assert after == "allowed"
    if before == "explicitDeny":
        assert after == "explicitDeny"


@COMMON
@given(scenarios(), requests(), statements(effect="Deny"))
def test_adding_a_deny_never_turns_denied_into_allowed(scenario, request, extra):
    before = evaluate(request, **scenario).decision
    scenario["identity"] = scenario["identity"] + [policy("identity", [extra])]
    after = evaluate(request, **scenario).decision
    if before != "allowed":
        assert after != "allowed"


@COMMON
@given(scenarios(), requests(), st.lists(statements(kind="endpoint"), min_size=1, max_size=3))
def test_adding_an_endpoint_policy_never_turns_denied_into_allowed(scenario, request, stmts):
    scenario["endpoint"] = []
    before = evaluate(request, **scenario).decision
    scenario["endpoint"] = [policy("endpoint", stmts)]
    after = evaluate(request, **scenario).decision
    if before != "allowed":
        assert after != "allowed"


@COMMON
@given(scenarios(), requests())
def test_decision_and_explanation_agree(scenario, request):
    d = evaluate(request, **scenario)
    if d.decision == "explicitDeny":
        assert d.matched and all(m.effect == "Deny" for m in d.matched)
        assert set(d.blocked_by) == {m.policy_type for m in d.matched}
    elif d.decision == "allowed":
        assert d.blocked_by == [] and d.matched and all(m.effect == "Allow" for m in d.matched)
    else:
        assert d.blocked_by and all(m.effect == "Allow" for m in d.matched)


@COMMON
@given(scenarios(), requests())
def test_action_case_and_context_key_case_do_not_matter(scenario, request):
    d = evaluate(request, **scenario).decision
    shouted = Request(request.principal, request.action.upper(), request.resource,
                      context={k.upper(): v for k, v in request.context.items()})
    assert evaluate(shouted, **scenario).decision == d


@COMMON
@given(st.lists(statements(), min_size=1, max_size=5), requests(), st.randoms())
def test_statement_order_does_not_matter(stmts, request, rnd):
    d = evaluate(request, identity=[policy("identity", stmts)]).decision
    shuffled = list(stmts)
    rnd.shuffle(shuffled)
    assert evaluate(request, identity=[policy("identity", shuffled)]).decision == d
