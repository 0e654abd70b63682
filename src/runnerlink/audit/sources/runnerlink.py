"""The audit's model as a running runnerlink builds it from its own records (GET
<endpoint>/_runnerlink/audit/model?account=&region=, answered by server/audit_view.py in codec's format)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

from runnerlink.audit import codec
from runnerlink.audit.model import AuditModel
from runnerlink.audit.sources import SourceError

TIMEOUT = 30.0
# The endpoint is local (or named by the user): a proxy configured for the internet must not carry it.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def load(endpoint_url: str, account: str, region: str, timeout: float = TIMEOUT) -> AuditModel:
    url = f"{endpoint_url.rstrip('/')}/_runnerlink/audit/model?{urlencode({'account': account, 'region': region})}"
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise SourceError(f"runnerlink at {endpoint_url} refused the audit model: HTTP {error.code} "
                          f"{_message(error.read())}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise SourceError(f"runnerlink is not reachable at {endpoint_url} ({reason}): start it with "
                          f"`runnerlink serve`, or name another with --endpoint-url") from None
    try:
        return codec.from_dict(json.loads(body))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise SourceError(f"{endpoint_url} did not answer an audit model ({error}): is it a runnerlink server of "
                          f"this version?") from None


def _message(body: bytes) -> str:
    try:
        answer = json.loads(body)
        return f"{answer['error']}: {answer['message']}"
    except (ValueError, TypeError, KeyError):
        return body[:200].decode(errors="replace")
