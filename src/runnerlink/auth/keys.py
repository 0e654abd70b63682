"""Access key ids and the other credential strings, in AWS's formats.

AWS access key ids carry their account: after the four-letter prefix (AKIA for long-term keys, ASIA for temporary
ones), base32 of ten bytes whose first six hold the account id shifted left by 7 (GetAccessKeyInfo reads it back).
runnerlink mints its keys the same way, so any component can tell a key's account from the key alone.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import string

LONG_TERM = "AKIA"
TEMPORARY = "ASIA"
_ACCOUNT_KEY = re.compile(r"\d{12}")
_KEY = re.compile(r"(AKIA|ASIA|AIDA|AROA)[A-Z2-7]{16}")
_MASK = 0x7FFFFFFFFF80
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
_ID_ALPHABET = string.ascii_uppercase + string.digits


def new_access_key_id(account: str, prefix: str = LONG_TERM) -> str:
    """A fresh access key id of the account (20 characters)."""
    head = (int(account) << 7) | secrets.randbits(7)
    raw = head.to_bytes(6, "big") + secrets.token_bytes(4)
    return prefix + base64.b32encode(raw).decode()


def account_of_key(access_key: str) -> str | None:
    """The account an access key id belongs to: a 12-digit key id is that account's own (runnerlink's convention for
    root credentials); an AWS-format key decodes to its account; anything else has none."""
    if _ACCOUNT_KEY.fullmatch(access_key):
        return access_key
    if not _KEY.fullmatch(access_key):
        return None
    try:
        raw = base64.b32decode(access_key[4:])
    except (binascii.Error, ValueError):
        return None
    return f"{(int.from_bytes(raw[:6], 'big') & _MASK) >> 7:012d}"


def new_secret_access_key() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


def new_session_token() -> str:
    # Real tokens are opaque base64 of several hundred characters; the SDKs only pass them on.
    return "IQoJb3JpZ2luX2Vj" + base64.b64encode(secrets.token_bytes(240)).decode()


def new_unique_id(prefix: str) -> str:
    """An IAM unique id: AIDA (user), AROA (role), AGPA (group), ANPA (managed policy), AIPA (instance profile)
    followed by 17 characters, 21 in all."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(17))
