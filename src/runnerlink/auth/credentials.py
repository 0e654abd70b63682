"""Access key → principal, in the two modes, and (in enforce mode) the request's signature checked against its secret.

Which keys are known:
- root credentials the user configured (`--root-credentials ACCOUNT=KEYID:SECRET`): that account's root;
- a 12-digit key id: that account's root. In enforce mode its secret is "test", unless the account has configured
  root credentials (then only those sign as its root);
- the key "test": the default account's root, with secret "test" in enforce mode, unless the default account has
  configured root credentials (the AWS CLI / SDK setups emulators are used with keep working until the user opts in);
- keys IAM and STS issued: what the identity source resolves (in the key's account's "<account>/global" scope).
In off mode any other key is the default account's root and nothing is verified; in enforce mode it is unknown.

Resolutions are cached per access key while the store's generation stays the same (an IAM or STS write may issue,
deactivate or delete a key), so steady-state requests cost no store transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Hashable, Protocol

from runnerlink.auth import verify
from runnerlink.auth.identity import Principal, root_principal
from runnerlink.auth.keys import account_of_key
from runnerlink.auth.refusals import EXPIRED_TOKEN, UNKNOWN_KEY, Refused
from runnerlink.auth.sigv4 import Credential
from runnerlink.config import DEFAULT_ACCOUNT, IAM_ENFORCE
from runnerlink.store import Store

CONVENTION_SECRET = "test"  # the secret of a 12-digit key id, and of the key "test", in enforce mode
CONVENTION_KEY = "test"
GLOBAL_SCOPE = "global"  # services.base.GLOBAL_REGION: IAM's and STS's records live in "<account>/global"
_ACCOUNT = re.compile(r"\d{12}")
_ENTRY = re.compile(r"(?P<account>[^=]*)=(?P<key>[^:]*):(?P<secret>.*)")
_CACHE_SIZE = 4096


class IdentityResolver(Protocol):
    def resolve(self, tx: Any, access_key: str) -> Principal | None: ...


def parse_root_credentials(entries: tuple[str, ...] | list[str]) -> dict[str, Principal]:
    """Access key id → root principal (with its secret) of each "ACCOUNT=ACCESS_KEY_ID:SECRET" entry. ValueError
    naming the entry and what is wrong with it."""
    roots: dict[str, Principal] = {}
    accounts: set[str] = set()
    for entry in entries:
        match = _ENTRY.fullmatch(entry.strip())
        shown = entry.split(":", 1)[0]  # never the secret
        if not match:
            raise ValueError(f"root credentials {shown!r}: write ACCOUNT=ACCESS_KEY_ID:SECRET "
                             f"(for example 111122223333=AKIAROOT:secret)")
        account, key, secret = match["account"].strip(), match["key"].strip(), match["secret"]
        if not _ACCOUNT.fullmatch(account):
            raise ValueError(f"root credentials {shown!r}: the account is a 12-digit id, not {account!r}")
        if not re.fullmatch(r"[A-Za-z0-9]{3,128}", key):
            raise ValueError(f"root credentials {shown!r}: the access key id is 3 to 128 letters and digits")
        if not secret:
            raise ValueError(f"root credentials {shown!r}: the secret is empty")
        if key in roots:
            raise ValueError(f"root credentials {shown!r}: access key id {key} is given twice")
        if _ACCOUNT.fullmatch(key) and key != account:
            raise ValueError(f"root credentials {shown!r}: a 12-digit access key id names its own account")
        if account in accounts:
            raise ValueError(f"root credentials {shown!r}: account {account} already has root credentials")
        accounts.add(account)
        roots[key] = root_principal(account, key, secret)
    return roots


@dataclass(frozen=True)
class Authenticated:
    principal: Principal
    body: bytes  # the payload (an aws-chunked body decoded)


class Credentials:
    def __init__(self, mode: str, root_credentials: tuple[str, ...], store: Store,
                 identity: IdentityResolver | None = None, default_account: str = DEFAULT_ACCOUNT):
        self.enforce = mode == IAM_ENFORCE
        self.roots = parse_root_credentials(root_credentials)
        self._configured_accounts = {principal.account for principal in self.roots.values()}
        self.store = store
        self.identity = identity
        self.default_account = default_account
        self._cache: dict[str, Principal | None] = {}
        self._generation: Hashable = object()

    def principal(self, access_key: str) -> Principal | None:
        """The principal the key stands for; None for a key unknown in enforce mode."""
        generation = self.store.generation()
        if generation != self._generation:
            self._cache.clear()
            self._generation = generation
        try:
            return self._cache[access_key]
        except KeyError:
            pass
        found = self._resolve(access_key)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[access_key] = found
        return found

    def authenticate(self, credential: Credential, method: str, raw_path: str, raw_query: str,
                     headers: dict[str, str], query: dict[str, str], body: bytes, now: float) -> Authenticated:
        """Who sent the request. In enforce mode its signature is checked (Refused otherwise)."""
        principal = self.principal(credential.access_key)
        if not self.enforce:
            assert principal is not None  # off mode knows every key
            return Authenticated(principal, body)
        signed = verify.read_signed(headers, query, credential.access_key, credential.date, credential.region,
                                    credential.service)
        if principal is None or not principal.active or principal.secret is None:
            raise Refused(UNKNOWN_KEY)
        if signed.security_token != principal.session_token:  # missing, wrong, or given with a long-term key
            raise Refused(UNKNOWN_KEY)
        verify.check_time(signed, now)
        payload = verify.verify(signed, method, raw_path, raw_query, headers, body, principal.secret)
        if principal.expires_at is not None and now >= principal.expires_at:
            raise Refused(EXPIRED_TOKEN)
        return Authenticated(principal, payload)

    def _resolve(self, access_key: str) -> Principal | None:
        configured = self.roots.get(access_key)
        if configured is not None:
            return configured
        if _ACCOUNT.fullmatch(access_key):
            if self.enforce and access_key in self._configured_accounts:
                return None
            return root_principal(access_key, access_key, CONVENTION_SECRET if self.enforce else None)
        issued = self._issued(access_key)
        if issued is not None:
            return issued
        if not self.enforce:
            return root_principal(self.default_account, access_key)
        if access_key == CONVENTION_KEY and self.default_account not in self._configured_accounts:
            return root_principal(self.default_account, access_key, CONVENTION_SECRET)
        return None

    def _issued(self, access_key: str) -> Principal | None:
        account = account_of_key(access_key)
        if self.identity is None or account is None:
            return None
        with self.store.transaction(f"{account}/{GLOBAL_SCOPE}", write=False) as tx:
            return self.identity.resolve(tx, access_key)
