"""Who signed a request: the principal an access key stands for, as the edge and the policy engine see it."""

from __future__ import annotations

from dataclasses import dataclass

# Principal.kind
ROOT = "root"  # an account's root credential
USER = "user"  # an IAM user's access key, or its GetSessionToken credentials (session_token set)
ASSUMED_ROLE = "assumed-role"  # AssumeRole credentials
FEDERATED_USER = "federated-user"  # GetFederationToken credentials


@dataclass(frozen=True)
class Principal:
    """An access key and what it stands for. `secret` is None for a key nothing stores (the default mode's
    12-digit and unknown keys): its signature can't be verified."""

    account: str
    arn: str
    access_key: str
    kind: str = ROOT
    user_id: str | None = None  # aws:userid: the account (root), AIDA… (user), AROA…:session (assumed role)
    name: str | None = None  # the user's or the role's name
    session_name: str | None = None
    secret: str | None = None
    session_token: str | None = None
    expires_at: float | None = None  # epoch seconds, for temporary credentials
    active: bool = True  # an IAM access key made Inactive still signs, and is refused
    tags: tuple[tuple[str, str], ...] = ()  # session tags (aws:PrincipalTag/…), over the user's or role's tags

    @property
    def temporary(self) -> bool:
        return self.session_token is not None


def root_principal(account: str, access_key: str, secret: str | None = None) -> Principal:
    return Principal(account=account, arn=f"arn:aws:iam::{account}:root", access_key=access_key, kind=ROOT,
                     user_id=account, secret=secret)
