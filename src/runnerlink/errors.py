"""Typed AWS errors shared by every layer: handlers raise them, the wire layer renders them."""

from __future__ import annotations


class AWSError(Exception):
    """An error AWS would return: a code, a message and an HTTP status."""

    code = "InternalFailure"
    status = 500

    def __init__(self, message: str, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.status}, {self.message!r})"


class ClientError(AWSError):
    """Any 4xx error; the default status for a client mistake."""

    status = 400


# Errors the edge itself produces, before a service is involved.
class MissingAuthenticationToken(ClientError):
    code = "MissingAuthenticationTokenException"
    status = 403


class IncompleteSignature(ClientError):
    code = "IncompleteSignatureException"


class UnknownOperation(ClientError):
    code = "UnknownOperationException"


class Serialization(ClientError):
    code = "SerializationException"


class UnsupportedMediaType(ClientError):
    code = "UnsupportedMediaTypeException"
    status = 415


class RequestTooLarge(ClientError):
    code = "RequestEntityTooLargeException"
    status = 413


class ValidationError(ClientError):
    """Input that fails the service model's constraints; each service names its own code for it."""

    code = "ValidationError"  # the query services' (IAM, STS) code; JSON services name their own
