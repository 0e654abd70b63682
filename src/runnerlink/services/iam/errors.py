"""IAM's errors (query protocol, <ErrorResponse>): the codes and statuses IAM answers with."""

from __future__ import annotations

from runnerlink.errors import ClientError


class IAMError(ClientError):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message, code=code, status=status)


def no_such_entity(message: str) -> IAMError:
    return IAMError("NoSuchEntity", message, 404)


def already_exists(message: str) -> IAMError:
    return IAMError("EntityAlreadyExists", message, 409)


def limit_exceeded(message: str) -> IAMError:
    return IAMError("LimitExceeded", message, 409)


def delete_conflict(message: str) -> IAMError:
    return IAMError("DeleteConflict", message, 409)


def invalid_input(message: str) -> IAMError:
    return IAMError("InvalidInput", message, 400)


def malformed_policy(message: str) -> IAMError:
    return IAMError("MalformedPolicyDocument", message, 400)


def unmodifiable(message: str) -> IAMError:
    return IAMError("UnmodifiableEntity", message, 400)


class IAMValidationError(ClientError):
    """Input that fails the model's constraints (the wire layer's check)."""

    code = "ValidationError"
