"""EC2's errors: one code per situation ("InvalidVpcID.NotFound"), all HTTP 400 unless noted."""

from __future__ import annotations

from runnerlink.errors import ClientError


class EC2Error(ClientError):
    """An EC2 client error with its code given at the raise site (EC2 has hundreds of codes)."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message, code=code, status=status)


class InvalidParameterValue(EC2Error):
    """The validation error of the ec2 protocol (bad types, lengths, enums)."""

    def __init__(self, message: str, code: str = "InvalidParameterValue", status: int = 400):
        super().__init__(code, message, status)


def not_found(code_prefix: str, noun: str, resource_id: str) -> EC2Error:
    """e.g. not_found("InvalidVpcID", "vpc ID", "vpc-1") → InvalidVpcID.NotFound: The vpc ID 'vpc-1' does not exist"""
    return EC2Error(f"{code_prefix}.NotFound", f"The {noun} '{resource_id}' does not exist")


def dependency_violation(resource_id: str, detail: str = "") -> EC2Error:
    suffix = f" ({detail})" if detail else ""
    return EC2Error("DependencyViolation", f"The {_kind_word(resource_id)} '{resource_id}' has dependencies and "
                                           f"cannot be deleted.{suffix}")


def _kind_word(resource_id: str) -> str:
    return {"vpc": "vpc", "subnet": "subnet", "sg": "security group", "igw": "internetGateway",
            "rtb": "routeTable"}.get(resource_id.split("-", 1)[0], "resource")
