"""Per policy type: Principal rules, Version, Sid characters, variables, Organizations' restrictions, size limits.

Tests named *_unsure pin a behaviour or wording the reference could not confirm (iam-evaluation.md §1.5, §6).
"""

import json

import pytest

from runnerlink.policy.validate import validate
from runnerlink.policy.validate_endpoint import endpoint_considerations

FULL_ENDPOINT = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
PRINCIPALLESS = ("identity", "boundary", "session", "scp")
WITH_PRINCIPAL = ("resource", "endpoint", "rcp")


def policy(*statements, version="2012-10-17"):
    document = {"Statement": list(statements)}
    if version:
        document["Version"] = version
    return document


def allow(**fields):
    return {"Effect": "Allow", "Action": "apprunner:ListServices", "Resource": "*", **fields}


def deny(**fields):
    return {"Effect": "Deny", "Action": "apprunner:DeleteService", "Resource": "*", **fields}


def test_the_default_endpoint_policy_is_valid_without_a_version():
    assert validate(FULL_ENDPOINT, "endpoint") == []
    assert validate(json.dumps(FULL_ENDPOINT), "resource") == []


@pytest.mark.parametrize("policy_type", PRINCIPALLESS)
def test_principal_forbidden(policy_type):
    assert validate(policy(allow()), policy_type) == []
    assert validate(policy(allow(Principal="*")), policy_type) == ["Policy document should not specify a principal."]
    assert validate(policy(deny(NotPrincipal={"AWS": "111122223333"})), policy_type) == [
        "Policy document should not specify a principal."]


@pytest.mark.parametrize("policy_type", ("resource", "endpoint"))
def test_principal_required(policy_type):
    assert validate(policy(allow()), policy_type) == ["Missing required field Principal."]
    assert validate(policy(allow(Principal="*")), policy_type) == []
    assert validate(policy(allow(Principal={"AWS": "arn:aws:iam::111122223333:role/app"})), policy_type) == []
    assert validate(policy(deny(NotPrincipal={"AWS": ["111122223333", "arn:aws:iam::111122223333:root"]})),
                    policy_type) == []


def test_principal_forms():
    good = ["*", "111122223333", "arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:user/alice",
            "arn:aws:iam::111122223333:role/path/app", "arn:aws:sts::111122223333:assumed-role/app/session"]
    for value in good:
        assert validate(policy(allow(Principal={"AWS": value})), "resource") == [], value
    assert validate(policy(allow(Principal={"Service": "apprunner.amazonaws.com"})), "resource") == []
    for value in ("alice", "arn:aws:iam::111122223333:user/*", "11112222333"):
        assert validate(policy(allow(Principal={"AWS": value})), "resource") == [
            f'Invalid principal in policy: "AWS":"{value}"'], value
    for bad in ("alice", {"Someone": "x"}, {}, {"AWS": []}, {"AWS": 1}, ["*"]):
        assert validate(policy(allow(Principal=bad)), "endpoint") == ["Syntax errors in policy."], bad


@pytest.mark.parametrize("policy_type", ("identity", "boundary", "session", "scp", "rcp"))
def test_version_required(policy_type):
    statement = deny(Principal="*") if policy_type == "rcp" else allow()
    assert validate(policy(statement, version=None), policy_type)[0] == (
        "Policy document must be version 2012-10-17 or greater.")
    assert validate(policy(statement, version="2008-10-17"), policy_type)[0] == (
        "Policy document must be version 2012-10-17 or greater.")


@pytest.mark.parametrize("policy_type", ("resource", "endpoint"))
def test_version_optional_for_resource_policies(policy_type):
    assert validate(policy(allow(Principal="*"), version=None), policy_type) == []
    assert validate(policy(allow(Principal="*"), version="2008-10-17"), policy_type) == []


def test_sid_characters_per_type():
    message = ("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression "
               "[0-9A-Za-z]*")
    for policy_type in ("identity", "boundary", "session"):
        assert validate(policy(allow(Sid="Allow list")), policy_type) == [message]
        assert validate(policy(allow(Sid="AllowList1")), policy_type) == []
    # resource-based policies (S3 and others) accept any Sid text
    assert validate(policy(allow(Sid="Allow list-1", Principal="*")), "resource") == []
    assert validate(policy(allow(Sid="Allow list-1", Principal="*")), "endpoint") == []


def test_unique_sids_in_every_type():
    for policy_type in ("identity", "resource", "endpoint", "boundary", "session", "scp"):
        principal = {"Principal": "*"} if policy_type in WITH_PRINCIPAL else {}
        document = policy(allow(Sid="A", **principal), deny(Sid="A", **principal))
        assert validate(document, policy_type) == ["Statement IDs (SID) in a single policy must be unique."]


def test_id_element():
    assert validate({**policy(allow()), "Id": "my-policy"}, "identity") == []
    assert validate({**FULL_ENDPOINT, "Id": "endpoint-policy"}, "endpoint") == []


def test_id_element_in_organization_policies_unsure():
    # unsure: the Organizations element tables list no Id
    assert validate({**policy(allow()), "Id": "x"}, "scp") == ["Syntax errors in policy."]


def test_scp_elements():
    assert validate(policy(deny(Condition={"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}})), "scp") == []
    assert validate(policy({"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:iam::*:role/admin"}),
                    "scp") == []


ORGS = "The provided policy document does not meet the requirements of the specified policy type."


def test_rcp_rules():
    full = policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
    assert validate(full, "rcp") == []  # RCPFullAWSAccess
    assert validate(policy(deny(Principal="*", Condition={"BoolIfExists": {"aws:SecureTransport": "false"}})),
                    "rcp") == []
    assert validate(policy(deny()), "rcp") == ["Missing required field Principal."]
    assert validate(policy(allow(Principal="*")), "rcp") == [ORGS]  # Allow only in RCPFullAWSAccess
    assert validate(policy(deny(Principal={"AWS": "111122223333"})), "rcp") == [ORGS]
    assert validate(policy({"Effect": "Deny", "Principal": "*", "NotAction": "s3:Get*", "Resource": "*"}), "rcp") == [
        ORGS]
    assert validate(policy({"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "s3:*",
                            "Resource": "*"}), "rcp") == [ORGS]


def test_variables_allowed_in_resource_part_and_string_values():
    document = policy(allow(Action="apprunner:DescribeService",
                            Resource="arn:aws:apprunner:*:*:service/${aws:username}/*",
                            Condition={"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"},
                                       "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/${aws:PrincipalTag/team}"},
                                       "StringLike": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'none'}"}}))
    assert validate(document, "identity") == []


def test_variables_where_not_allowed_unsure():
    # unsure: the wording; the places follow the IAM User Guide (reference §1.4)
    assert validate(policy(allow(Action="apprunner:Describe${aws:username}")), "identity") == [
        "Actions/Condition can contain only one colon.",  # the colon inside the variable counts
        "Policy variables are not supported in Action: apprunner:Describe${aws:username}"]
    assert validate(policy(allow(Action="apprunner:${*}"), {"Effect": "Deny", "NotAction": "apprunner:${?}", "Resource": "*"}), "identity") == [
        "Policy variables are not supported in Action: apprunner:${*}",
        "Policy variables are not supported in NotAction: apprunner:${?}"]
    arn = "arn:aws:apprunner:${aws:RequestedRegion}:*:service/*"
    assert validate(policy(allow(Resource=arn)), "identity") == [
        f"Policy variables are supported only in the resource part of an ARN: {arn}"]
    assert validate(policy(allow(Condition={"StringEquals": {"aws:ResourceTag/${aws:username}": "x"}})),
                    "identity") == ["Policy variables are not supported in condition keys: aws:ResourceTag/${aws:username}"]
    assert validate(policy(allow(Condition={"BinaryEquals": {"k:k": "${aws:username}"}})), "identity") == [
        "Policy variables are not supported with BinaryEquals: ${aws:username}"]
    assert validate(policy(allow(Condition={"NumericEquals": {"k:k": "${aws:username}"}})), "identity") == [
        "The policy failed legacy parsing", "Policy variables are not supported with NumericEquals: ${aws:username}"]
    assert validate(policy(allow(Principal={"AWS": "arn:aws:iam::${aws:PrincipalAccount}:root"})), "resource") == [
        'Invalid principal in policy: "AWS":"arn:aws:iam::${aws:PrincipalAccount}:root"']


def test_variables_are_literal_text_without_the_2012_version():
    document = policy(allow(Action="apprunner:${x}", Principal="*"), version="2008-10-17")
    assert validate(document, "resource") == []


# --- sizes -------------------------------------------------------------------------------------------------------

def padded(size, policy_type, whitespace=0):
    """A valid policy of exactly `size` non-whitespace characters plus `whitespace` spaces between tokens."""
    principal = ',"Principal":"*"' if policy_type in WITH_PRINCIPAL else ""
    effect = "Deny" if policy_type == "rcp" else "Allow"
    head = '{"Version":"2012-10-17","Statement":[{"Effect":"' + effect + '"' + principal + ',"Resource":"*","Action":"a:'
    tail = '"}]}'
    text = head + "x" * (size - len(head) - len(tail)) + tail
    assert len(text) == size
    return text.replace(',"Statement"', "," + " " * whitespace + '"Statement"')


LIMITS = [
    # type, entity, limit, whitespace counted, message
    ("identity", None, 6144, False, "Cannot exceed quota for PolicySize: 6144"),
    ("boundary", None, 6144, False, "Cannot exceed quota for PolicySize: 6144"),
    ("identity", "user", 2048, False, "Maximum policy size of 2048 bytes exceeded for user."),
    ("identity", "group", 5120, False, "Maximum policy size of 5120 bytes exceeded for group."),
    ("identity", "role", 10240, False, "Maximum policy size of 10240 bytes exceeded for role."),
    ("endpoint", None, 20480, True, "Policy document exceeds the maximum size of 20480 characters."),
    ("scp", None, 5120, True, "You have exceeded the maximum policy size."),
    ("rcp", None, 5120, True, "You have exceeded the maximum policy size."),
    ("session", None, 2048, True, "1 validation error detected: Value at 'policy' failed to satisfy constraint: "
                                  "Member must have length less than or equal to 2048"),
]


@pytest.mark.parametrize(("policy_type", "entity", "limit", "counts_whitespace", "message"), LIMITS)
def test_size_limits(policy_type, entity, limit, counts_whitespace, message):
    kwargs = {"entity": entity} if entity else {}
    assert validate(padded(limit, policy_type), policy_type, **kwargs) == []
    assert validate(padded(limit + 1, policy_type), policy_type, **kwargs) == [message]
    # 100 spaces of indentation: over the limit only where whitespace counts
    assert validate(padded(limit, policy_type, whitespace=100), policy_type, **kwargs) == (
        [message] if counts_whitespace else [])


def test_size_message_names_the_entity():
    assert validate(padded(2049, "identity"), "identity", entity="user", name="alice") == [
        "Maximum policy size of 2048 bytes exceeded for user alice."]


def test_whitespace_inside_strings_counts_for_iam():
    text = padded(6144, "identity").replace("a:x", "a: ", 1)
    assert validate(text, "identity") == []  # same length: the space inside the string is counted
    assert validate(padded(6144, "identity").replace('"a:', '"a:  ', 1), "identity") == [
        "Cannot exceed quota for PolicySize: 6144"]


def test_resource_policies_have_no_generic_size_limit():
    assert validate(padded(30000, "resource"), "resource") == []


def test_size_limit_messages_unsure():
    # unsure: the endpoint-policy message (EC2's wording is not recorded) and whether STS counts whitespace
    assert validate(padded(20481, "endpoint"), "endpoint") == [
        "Policy document exceeds the maximum size of 20480 characters."]


def test_characters_outside_latin1_in_iam_policies():
    document = json.dumps(policy(allow(Sid="A")), ensure_ascii=False).replace('"A"', '"\u20ac"')
    message = ("1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must "
               "satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+")
    assert validate(document, "identity")[0] == message
    assert validate(json.dumps(policy(allow(Sid="A", Principal="*")), ensure_ascii=False).replace('"A"', '"\u20ac"'),
                    "endpoint") == []


# --- VPC endpoint policy considerations (PrivateLink Guide; enforcement and messages unsure) -----------------------
# Reported by endpoint_considerations, not by validate: whether EC2 rejects such policies is not recorded.

def considerations(document):
    assert validate(document, "endpoint") == []
    return endpoint_considerations(document)


def endpoint(condition=None, resource="*"):
    statement = {"Effect": "Allow", "Principal": "*", "Action": "apprunner:*", "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return {"Statement": [statement]}


def test_endpoint_wildcards_with_system_id_keys_unsure():
    assert considerations(endpoint({"StringEquals": {"aws:PrincipalAccount": "111122223333"}})) == []
    assert considerations(endpoint({"StringLike": {"aws:PrincipalAccount": "1111*"}})) == [
        "Wildcards are not supported with aws:PrincipalAccount in a VPC endpoint policy: 1111*"]
    assert considerations(endpoint({"ForAnyValue:StringLike": {"AWS:SourceVpc": ["vpc-?abc"]}})) == [
        "Wildcards are not supported with AWS:SourceVpc in a VPC endpoint policy: vpc-?abc"]
    assert considerations(endpoint({"NumericEquals": {"aws:PrincipalAccount": "111122223333"}})) == [
        "Numeric condition operators are not supported with aws:PrincipalAccount in a VPC endpoint policy."]
    # the same conditions are fine in other policy types
    assert validate({"Version": "2012-10-17", **endpoint({"StringLike": {"aws:PrincipalAccount": "1111*"}})},
                    "resource") == []


def test_endpoint_wildcards_need_six_characters_unsure():
    good = ["arn:aws:iam::*:role/ci-*", "deploy*", "*-deployer", "prefix*suffix-long"]
    for value in good:
        assert considerations(endpoint({"StringLike": {"aws:PrincipalArn": value}})) == [], value
    for value in ("ci-*", "*", "a*b", "prefi*ab*suffi"):
        assert considerations(endpoint({"StringLike": {"aws:PrincipalArn": value}})) == [
            "A wildcard in a VPC endpoint policy condition needs at least 6 consecutive characters before or after "
            f"it: {value}"], value
    # StringEquals has no wildcards: '*' is literal there
    assert considerations(endpoint({"StringEquals": {"aws:PrincipalTag/team": "*"}})) == []


def test_endpoint_arn_account_field_unsure():
    assert considerations(endpoint(resource="arn:aws:apprunner:*:111122223333:service/*")) == []
    assert considerations(endpoint(resource="arn:aws:apprunner:*:*:service/*")) == []
    arn = "arn:aws:apprunner:*:1111*:service/*"
    assert considerations(endpoint(resource=arn)) == [
        f"The account in {arn} must be an account ID or a wildcard, not both."]
    assert considerations(endpoint({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::1111*:role/deployer"}})) == [
        "The account in arn:aws:iam::1111*:role/deployer must be an account ID or a wildcard, not both."]
