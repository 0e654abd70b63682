from runnerlink.config import DEFAULT_PORT, Settings


def test_defaults_need_no_configuration():
    settings = Settings.from_env({})
    assert (settings.host, settings.port, settings.region) == ("127.0.0.1", DEFAULT_PORT, "us-east-1")
    assert settings.state.endswith("runnerlink") and not settings.in_memory


def test_environment_then_flags():
    env = {"RUNNERLINK_PORT": "5000", "RUNNERLINK_STATE": "memory", "RUNNERLINK_REGION": "eu-west-1",
           "RUNNERLINK_LIFECYCLE_DELAY": "0.5", "RUNNERLINK_HOST": "0.0.0.0"}
    settings = Settings.from_env(env)
    assert (settings.port, settings.in_memory, settings.region, settings.lifecycle_delay, settings.host) == (
        5000, True, "eu-west-1", 0.5, "0.0.0.0")
    assert Settings.from_env(env, port=6000, region=None).port == 6000
    assert Settings.from_env(env, port=6000, region=None).region == "eu-west-1"


def test_the_vpc_quota_is_configurable_and_positive():
    import pytest

    assert Settings.from_env({}).vpc_quota == 5
    assert Settings.from_env({"RUNNERLINK_VPC_QUOTA": "1000"}).vpc_quota == 1000
    assert Settings.from_env({"RUNNERLINK_VPC_QUOTA": "1000"}, vpc_quota=20).vpc_quota == 20
    with pytest.raises(ValueError, match="positive"):
        Settings.from_env({"RUNNERLINK_VPC_QUOTA": "0"})
