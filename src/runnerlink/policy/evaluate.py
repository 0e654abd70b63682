"""evaluate: AWS's decision procedure over compiled policies, with the statements that decided.

Order (IAM UG, *Policy evaluation logic* and *How AWS enforcement code logic evaluates requests*):
1. a matching Deny in any policy → explicitDeny;
2. the guardrails must each allow: the VPC endpoint policy, every SCP level, every RCP level;
3. a grant: identity policies within the permissions boundary and the session policy, or a
   resource-based policy. In the same account a resource policy naming the exact user or session
   ARN, or everyone ("*"), grants on its own; naming the role it is still limited by the boundary and
   the session policy; naming the account it only delegates to IAM. Across accounts both sides must allow.
An endpoint policy, boundary, session policy, SCP or RCP never grants on its own.

A role's trust policy is a resource policy that must allow whatever the account (`resource_required`):
the identity side must allow too, except in the same account when the trust policy names the exact
user or session ARN (IAM UG, *Cross-account policy evaluation logic* and *Granting a user permissions
to switch roles*).

A session's policies (the inline one and its managed PolicyArns) allow together: any of them allowing
is the session policy allowing.

Several policies in one slot (identity, boundaries, endpoint, one SCP/RCP level) allow when any of
them allows, as iam-simulate treats its lists; AWS itself has one boundary per principal and one
policy per endpoint.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from .compiler import CompiledPolicy, MatchedStatement
from .principals import DIRECT, EVERYONE, PRINCIPAL
from .request import Request

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitDeny"
IMPLICIT_DENY = "implicitDeny"


@dataclass(slots=True)
class Decision:
    decision: str
    matched: list[MatchedStatement] = field(default_factory=list)
    blocked_by: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED


def _scan(policy: CompiledPolicy, req: Request, has_boundary: bool,
          allows: list[MatchedStatement], denies: list[MatchedStatement]) -> int:
    """Append the policy's matching statements; return the strongest principal grant among its Allows
    (PRINCIPAL for statements without a Principal element), 0 when none allows."""
    grant = 0
    ctx = req.ctx
    resource = req.resource
    for st in policy.for_action(req.action_lc):
        if not st.resource_matches(resource, ctx):
            continue
        kind = PRINCIPAL
        matcher = st.principal
        if matcher is not None:
            if st.not_principal:
                # A Deny with NotPrincipal always applies to a principal with a permissions boundary.
                if matcher.excludes(req.caller) and (st.allow or not has_boundary):
                    continue
            else:
                kind = matcher.grant(req.caller)
                if not kind:
                    continue
        cond = st.condition
        if cond is not None and not cond(ctx):
            continue
        if st.allow:
            allows.append(st.info)
            if kind > grant:
                grant = kind
        else:
            denies.append(st.info)
    return grant


def _scan_all(policies: Sequence[CompiledPolicy], req: Request, has_boundary: bool,
              allows: list[MatchedStatement], denies: list[MatchedStatement]) -> bool:
    allowed = False
    for policy in policies:
        if _scan(policy, req, has_boundary, allows, denies):
            allowed = True
    return allowed


def evaluate(
    request: Request,
    *,
    identity: Sequence[CompiledPolicy] = (),
    resource: CompiledPolicy | None = None,
    boundaries: Sequence[CompiledPolicy] = (),
    endpoint: Sequence[CompiledPolicy] = (),
    session: CompiledPolicy | Sequence[CompiledPolicy] | None = None,
    scps: Sequence[Sequence[CompiledPolicy]] = (),
    rcps: Sequence[Sequence[CompiledPolicy]] = (),
    resource_required: bool = False,
) -> Decision:
    """Decide one request. `scps` and `rcps` are levels (root → account), each a sequence of policies; a level
    whose policies allow nothing (none at all, or none matching) is an implicit deny. `session` is one policy or
    several that allow together. `resource_required`: the resource policy must allow (a role's trust policy)."""
    req = request
    if isinstance(session, CompiledPolicy):
        session = (session,)
    has_boundary = bool(boundaries)
    allows: list[MatchedStatement] = []
    denies: list[MatchedStatement] = []
    blocked: list[str] = []

    endpoint_ok = _scan_all(endpoint, req, has_boundary, allows, denies) if endpoint else True
    if not endpoint_ok:
        blocked.append("endpoint")
    for kind, levels in (("scp", scps), ("rcp", rcps)):
        ok = True
        for level in levels:
            if not _scan_all(level, req, has_boundary, allows, denies):
                ok = False
        if not ok:
            blocked.append(kind)
    boundary_ok = _scan_all(boundaries, req, has_boundary, allows, denies) if boundaries else True
    session_ok = _scan_all(session, req, has_boundary, allows, denies) if session else True
    resource_grant = _scan(resource, req, has_boundary, allows, denies) if resource is not None else 0
    identity_ok = _scan_all(identity, req, has_boundary, allows, denies) if identity else False

    if denies:
        kinds: list[str] = []
        for info in denies:
            if info.policy_type not in kinds:
                kinds.append(info.policy_type)
        return Decision(EXPLICIT_DENY, denies, kinds)

    limits_ok = boundary_ok and session_ok
    if req.caller.account is None:  # anonymous or a service principal: only a resource policy can grant
        granted = resource_grant > 0
    elif resource_required:
        granted = resource_grant > 0 and (
            (identity_ok and limits_ok) or (req.same_account and resource_grant == DIRECT))
    elif req.same_account:
        granted = (identity_ok and limits_ok) or resource_grant >= EVERYONE or (
            resource_grant == PRINCIPAL and limits_ok)
    else:
        granted = identity_ok and limits_ok and resource_grant > 0
    if not granted:
        if req.caller.account is not None:
            if not boundary_ok:
                blocked.append("boundary")
            if not session_ok:
                blocked.append("session")
            if not identity_ok:
                blocked.append("identity")
        if resource_grant == 0 and (req.caller.account is None or not req.same_account or resource_required):
            blocked.append("resource")
    return Decision(IMPLICIT_DENY if blocked else ALLOWED, allows, blocked)
