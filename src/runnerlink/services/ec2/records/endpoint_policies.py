"""What a VPC endpoint's PolicyDocument may be: the documents EC2 attaches by default, and a given document only if
the policy engine can evaluate it as an endpoint policy — a document it can't evaluate would deny every request
through the endpoint.

EC2 refuses such a document with InvalidPolicyDocument, "The Policy Document is not valid. …" (seen from
ModifyVpcEndpoint: "Syntax error at position (1,75)", hashicorp/terraform-provider-aws#42291). Text that isn't JSON
gets that position; any other refusal, the engine's message after the prefix (AWS's MalformedPolicyDocument wording,
as EC2's own wording for those is not on record).
"""

from __future__ import annotations

import json

from runnerlink.policy import PolicyError, compile_policy
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.records.endpoint_services import GATEWAY

ERROR_CODE = "InvalidPolicyDocument"
PREFIX = "The Policy Document is not valid. "

# What EC2 attaches when CreateVpcEndpoint has no PolicyDocument, as DescribeVpcEndpoints returns it
# (awscli examples): interface endpoints get Python-2-style pretty JSON without Version, gateway endpoints compact
# JSON with Version 2008-10-17.
DEFAULT_INTERFACE_POLICY = (
    '{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n'
    '      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}'
)
DEFAULT_GATEWAY_POLICY = (
    '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'
)


def default_policy(endpoint_type: str) -> str:
    return DEFAULT_GATEWAY_POLICY if endpoint_type == GATEWAY else DEFAULT_INTERFACE_POLICY


def checked_policy(text: str) -> str:
    """text, if the policy engine can evaluate it as an endpoint policy (the engine also holds it to the endpoint
    policy limit of 20,480 characters, white space included); else InvalidPolicyDocument with the engine's reason."""
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        raise EC2Error(ERROR_CODE, f"{PREFIX}Syntax error at position ({err.lineno},{err.colno})") from None
    try:
        compile_policy(text, "endpoint")
    except PolicyError as err:
        raise EC2Error(ERROR_CODE, PREFIX + err.message) from None
    return text
