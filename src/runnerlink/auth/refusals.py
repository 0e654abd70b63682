"""Why a request's credentials were refused, and how each protocol's services word it.

The table is keyed by wire protocol: every awsJson service (App Runner) answers as Coral does, the query services
(STS, IAM) alike, EC2 in its own words. Evidence (AWS's "Common Errors" pages, and answers quoted in SDK and tool
issues):

- unknown key, inactive key, a session key without its token (or with another one): JSON
  UnrecognizedClientException, query InvalidClientTokenId, both "The security token included in the request is
  invalid." (403; the common-errors pages: "The X.509 certificate or AWS access key ID provided does not exist in our
  records."); EC2 AuthFailure 401 "AWS was not able to validate the provided access credentials".
- wrong signature: JSON InvalidSignatureException, query and EC2 SignatureDoesNotMatch, "The request signature we
  calculated does not match …" (403).
- clock more than 15 minutes off (header-signed): JSON InvalidSignatureException and query SignatureDoesNotMatch with
  "Signature expired: X is now earlier than Y (Z - 15 min.)" / "Signature not yet current: …" (aws-cli#6676,
  aws-sdk-go#884 for STS; aws-sdk-js#254 for a JSON service). EC2 answers RequestExpired 400 "Request has expired."
  (its common errors). S3's RequestTimeTooSkewed is S3's alone.
- a pre-signed URL past X-Amz-Date + X-Amz-Expires: RequestExpired 400 (the common-errors pages: "… more than 15
  minutes after the request expiration date (such as for pre-signed URLs)").
- expired temporary credentials: JSON ExpiredTokenException, query ExpiredToken, "The security token included in the
  request is expired" (403); EC2 RequestExpired 400 (aws-sdk-ruby#143, aws-vault#394).
Unsure: the status of a JSON service's InvalidSignatureException (older services answered 400, recent ones 403; 403
here), and whether EC2 now answers a bad signature with AuthFailure instead of SignatureDoesNotMatch.
"""

from __future__ import annotations

from runnerlink.errors import AWSError

UNKNOWN_KEY = "unknown-key"  # also an inactive key and a session key with a missing or wrong token
BAD_SIGNATURE = "bad-signature"
SKEW = "skew"
PRESIGN_EXPIRED = "presign-expired"
EXPIRED_TOKEN = "expired-token"

_INVALID_TOKEN = "The security token included in the request is invalid."
_EXPIRED_TOKEN = "The security token included in the request is expired"
_REQUEST_EXPIRED = "Request has expired."

# protocol → kind → (code, status, message; None: the message the verifier gave)
TABLE: dict[str, dict[str, tuple[str, int, str | None]]] = {
    "json": {
        UNKNOWN_KEY: ("UnrecognizedClientException", 403, _INVALID_TOKEN),
        BAD_SIGNATURE: ("InvalidSignatureException", 403, None),
        SKEW: ("InvalidSignatureException", 403, None),
        PRESIGN_EXPIRED: ("RequestExpired", 400, _REQUEST_EXPIRED),
        EXPIRED_TOKEN: ("ExpiredTokenException", 403, _EXPIRED_TOKEN),
    },
    "query": {
        UNKNOWN_KEY: ("InvalidClientTokenId", 403, _INVALID_TOKEN),
        BAD_SIGNATURE: ("SignatureDoesNotMatch", 403, None),
        SKEW: ("SignatureDoesNotMatch", 403, None),
        PRESIGN_EXPIRED: ("RequestExpired", 400, _REQUEST_EXPIRED),
        EXPIRED_TOKEN: ("ExpiredToken", 403, _EXPIRED_TOKEN),
    },
    "ec2": {
        UNKNOWN_KEY: ("AuthFailure", 401, "AWS was not able to validate the provided access credentials"),
        BAD_SIGNATURE: ("SignatureDoesNotMatch", 403, None),
        SKEW: ("RequestExpired", 400, _REQUEST_EXPIRED),
        PRESIGN_EXPIRED: ("RequestExpired", 400, _REQUEST_EXPIRED),
        EXPIRED_TOKEN: ("RequestExpired", 400, _REQUEST_EXPIRED),
    },
}


class Refused(Exception):
    """Credentials the edge refuses: the kind (a key of TABLE's rows) and the verifier's own words."""

    def __init__(self, kind: str, message: str = ""):
        super().__init__(message or kind)
        self.kind = kind
        self.message = message


def error_for(protocol: str, refused: Refused) -> AWSError:
    """The refusal as the service of this protocol answers it ("json" for a request whose service isn't known)."""
    code, status, message = TABLE.get(protocol, TABLE["json"])[refused.kind]
    return AWSError(message or refused.message, code=code, status=status)
