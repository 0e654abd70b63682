"""App Runner's error codes (all 400 but InternalServiceErrorException, per the API reference)."""

from runnerlink.errors import AWSError, ClientError


class InvalidRequest(ClientError):
    code = "InvalidRequestException"


class InvalidState(ClientError):
    code = "InvalidStateException"


class ResourceNotFound(ClientError):
    code = "ResourceNotFoundException"


class ServiceQuotaExceeded(ClientError):
    code = "ServiceQuotaExceededException"


class InternalServiceError(AWSError):
    code = "InternalServiceErrorException"
    status = 500
