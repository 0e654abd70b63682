"""The identity source the edge asks (services.base.IdentitySource): an access key's principal and a principal's
policies, from the identity records of the account's "<account>/global" scope; and the minting of STS sessions,
which AssumeRole, GetSessionToken and the App Runner instance-role credentials share."""

from __future__ import annotations

from runnerlink.auth import identity as principals
from runnerlink.auth.identity import Principal
from runnerlink.auth.keys import TEMPORARY, new_access_key_id, new_secret_access_key, new_session_token
from runnerlink.services.base import PrincipalPolicies
from runnerlink.services.iam.records import policies as entity_policies
from runnerlink.services.iam.records import roles
from runnerlink.store import Transaction

ACCESS_KEY = "iam_access_key"
USER = "iam_user"
SESSION = "sts_session"
ASSUMED_ROLE = "assumed-role"
SESSION_TOKEN = "session-token"
FEDERATED_USER = "federated-user"
# What root may do, for a federated user that root federated: its session policies alone limit it.
_ROOT_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
_KINDS = {ASSUMED_ROLE: principals.ASSUMED_ROLE, FEDERATED_USER: principals.FEDERATED_USER}


def get_role(tx: Transaction, name: str) -> dict | None:
    return roles.get(tx, name)


def _account(arn: str) -> str:
    return arn.split(":")[4]


def _tags(entity: dict | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in (entity or {}).get("Tags", [])}


def resolve(tx: Transaction, access_key: str) -> Principal | None:
    """The principal of a key IAM or STS issued (expired and inactive ones included: the edge refuses those)."""
    key = tx.get(ACCESS_KEY, access_key)
    if key is not None:
        user = tx.get(USER, key["UserName"])
        if user is None:
            return None
        return Principal(account=_account(user["Arn"]), arn=user["Arn"], access_key=access_key,
                         kind=principals.USER, user_id=user["UserId"], name=user["UserName"],
                         secret=key["_secret"], active=key.get("Status", "Active") == "Active",
                         tags=tuple(_tags(user).items()))
    session = tx.get(SESSION, access_key)
    if session is None:
        return None
    kind = session["Kind"]
    entity = roles.get(tx, session["RoleName"]) if kind == ASSUMED_ROLE else (
        tx.get(USER, session["UserName"]) if session.get("UserName") else None)
    tags = {**_tags(entity), **session.get("_tags", {})}
    if kind == SESSION_TOKEN:
        principal_kind = principals.USER if session.get("UserName") else principals.ROOT
    else:
        principal_kind = _KINDS[kind]
    return Principal(account=_account(session["Arn"]), arn=session["Arn"], access_key=access_key,
                     kind=principal_kind, user_id=session["UserId"],
                     name=session.get("RoleName") or session.get("UserName"),
                     session_name=session.get("SessionName"), secret=session["_secret"],
                     session_token=session["_token"], expires_at=session["Expiration"], tags=tuple(tags.items()))


def _boundary(tx: Transaction, entity: dict | None) -> tuple[str, str] | None:
    arn = ((entity or {}).get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if not arn:
        return None
    document = entity_policies.managed_document(tx, arn)
    return (arn, document) if document is not None else None


def _session_policies(tx: Transaction, session: dict | None) -> tuple[tuple[str, str], ...]:
    if session is None:
        return ()
    found = [(f"session policy {i + 1}", text) for i, text in enumerate(session.get("_policies", []))]
    for arn in session.get("_policy_arns", []):
        document = entity_policies.managed_document(tx, arn)
        if document is not None:
            found.append((arn, document))
    return tuple(found)


def policies(tx: Transaction, principal: Principal) -> PrincipalPolicies:
    """A user's (and its groups') or a role's policies, its boundary, a session's policies; root has none."""
    tags = dict(principal.tags)
    session = tx.get(SESSION, principal.access_key) if principal.temporary else None
    if principal.kind == principals.ROOT:
        return PrincipalPolicies(tags=tags)
    if principal.kind == principals.ASSUMED_ROLE:
        role = roles.get(tx, principal.name or "")
        if role is None:  # the role was deleted: its sessions have no permissions left
            return PrincipalPolicies(tags=tags)
        return PrincipalPolicies(identity=entity_policies.role_policies(tx, role["RoleName"]),
                                 boundary=_boundary(tx, role), session=_session_policies(tx, session), tags=tags)
    session_policies = _session_policies(tx, session)
    if principal.kind == principals.FEDERATED_USER:
        if not session_policies:  # a federated user without session policies has no permissions
            return PrincipalPolicies(tags=tags)
        if session is not None and not session.get("UserName"):  # federated by the account's root
            return PrincipalPolicies(identity=(("root", _ROOT_POLICY),), session=session_policies, tags=tags)
    user_name = principal.name or ""
    user = tx.get(USER, user_name)
    if user is None:
        return PrincipalPolicies(tags=tags)
    return PrincipalPolicies(identity=entity_policies.user_policies(tx, user_name), boundary=_boundary(tx, user),
                             session=session_policies, tags=tags)


def _mint(tx: Transaction, account: str, duration_seconds: int, now: float, fields: dict) -> dict:
    key = new_access_key_id(account, TEMPORARY)
    secret, token, expiration = new_secret_access_key(), new_session_token(), now + duration_seconds
    tx.put(SESSION, key, {"AccessKeyId": key, "_secret": secret, "_token": token, "Expiration": expiration,
                          **fields})
    return {"AccessKeyId": key, "SecretAccessKey": secret, "SessionToken": token, "Expiration": expiration}


def session_arn(role: dict, session_name: str) -> str:
    return f"arn:aws:sts::{_account(role['Arn'])}:assumed-role/{role['RoleName']}/{session_name}"


def mint_role_session(tx: Transaction, role_record: dict, session_name: str, duration_seconds: int, now: float, *,
                      policies: tuple[str, ...] | list[str] = (), policy_arns: tuple[str, ...] | list[str] = (),
                      tags: dict[str, str] | None = None, transitive: tuple[str, ...] | list[str] = (),
                      source_identity: str | None = None) -> dict:
    """A role session's credentials, stored as an `sts_session` in `tx` (the role's account's global scope)."""
    fields = {"Kind": ASSUMED_ROLE, "Arn": session_arn(role_record, session_name),
              "UserId": f"{role_record['RoleId']}:{session_name}", "RoleName": role_record["RoleName"],
              "SessionName": session_name, "_policies": list(policies), "_policy_arns": list(policy_arns),
              "_tags": dict(tags or {}), "_transitive": list(transitive)}
    if source_identity is not None:
        fields["SourceIdentity"] = source_identity
    return _mint(tx, _account(role_record["Arn"]), duration_seconds, now, fields)


def mint_user_session(tx: Transaction, account: str, user: dict | None, duration_seconds: int, now: float) -> dict:
    """GetSessionToken's credentials: they act as the user (or as the account's root, for user None)."""
    if user is None:
        fields = {"Kind": SESSION_TOKEN, "Arn": f"arn:aws:iam::{account}:root", "UserId": account}
    else:
        fields = {"Kind": SESSION_TOKEN, "Arn": user["Arn"], "UserId": user["UserId"], "UserName": user["UserName"]}
    return _mint(tx, account, duration_seconds, now, fields)


def mint_federated_session(tx: Transaction, account: str, user: dict | None, name: str, duration_seconds: int,
                           now: float, *, policies: list[str] = (), policy_arns: list[str] = (),
                           tags: dict[str, str] | None = None) -> dict:
    """GetFederationToken's credentials: a federated user limited by its session policies and its federator's
    (an IAM user's, or root's) permissions."""
    fields = {"Kind": FEDERATED_USER, "Arn": f"arn:aws:sts::{account}:federated-user/{name}",
              "UserId": f"{account}:{name}", "SessionName": name, "_policies": list(policies),
              "_policy_arns": list(policy_arns), "_tags": dict(tags or {}), "_transitive": []}
    if user is not None:
        fields["UserName"] = user["UserName"]
    return _mint(tx, account, duration_seconds, now, fields)


def session(tx: Transaction, access_key: str) -> dict | None:
    return tx.get(SESSION, access_key)


class _Source:
    """services.base.IdentitySource over this module's functions."""

    resolve = staticmethod(resolve)
    policies = staticmethod(policies)


SOURCE = _Source()
