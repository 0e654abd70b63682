from runnerlink.wire.models import operation_model
from runnerlink.wire.validate import format_problems, validation_problems


def problems(operation: str, params: dict) -> list[str]:
    return validation_problems(operation_model("apprunner", operation).input_shape, params)


def test_valid_input_has_no_problems():
    assert problems("CreateConnection", {"ConnectionName": "abcd", "ProviderType": "GITHUB"}) == []


def test_required_members():
    assert problems("CreateConnection", {"ConnectionName": "abcd"}) == [
        "Value null at 'providerType' failed to satisfy constraint: Member must not be null"]


def test_nested_paths_lists_and_maps():
    found = problems("CreateService", {
        "ServiceName": "web1",
        "SourceConfiguration": {"ImageRepository": {"ImageIdentifier": "x", "ImageRepositoryType": "NOPE",
                                                    "ImageConfiguration": {"RuntimeEnvironmentVariables": {"": "v"}}}},
        "Tags": [{"Key": "aws:owner", "Value": "x"}],
    })
    assert any("at 'sourceConfiguration.imageRepository.imageRepositoryType'" in p and "enum value set" in p
               for p in found)
    assert any("runtimeEnvironmentVariables..key" in p for p in found)
    assert any("at 'tags.1.member.key'" in p and "regular expression" in p for p in found)


def test_sensitive_values_are_not_echoed():
    found = problems("CreateService", {
        "ServiceName": "web1",
        "SourceConfiguration": {"CodeRepository": {"RepositoryUrl": "u", "SourceCodeVersion": {"Type": "BRANCH", "Value": "m"},
                                                   "CodeConfiguration": {"ConfigurationSource": "API",
                                                                         "CodeConfigurationValues": {"Runtime": "PYTHON_3", "BuildCommand": "a\nb"}}}},
    })
    assert any(p.startswith("Value at 'sourceConfiguration.codeRepository.codeConfiguration."
                            "codeConfigurationValues.buildCommand'") for p in found)
    assert all("a\nb" not in p for p in found)


def test_integer_bounds_and_bool_is_not_integer():
    assert problems("ListServices", {"MaxResults": 0}) == [
        "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"]
    assert problems("ListServices", {"MaxResults": True}) == [
        "Value 'true' at 'maxResults' failed to satisfy constraint: Member must be an integer"]


def test_format_problems():
    assert format_problems(["Value null at 'a' failed"]) == "1 validation error detected: Value null at 'a' failed"
    assert format_problems(["Value 'x' at 'a' f", "Value 'y' at 'b' g"]).startswith("2 validation errors detected: ")
