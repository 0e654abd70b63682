from __future__ import annotations

import textwrap

import pytest

from runnerlink.runtime.spec import RunSpec, SpecError, code_spec, image_spec

REPOSITORY = {"RepositoryUrl": "https://github.com/o/r", "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
              "CodeConfiguration": {"ConfigurationSource": "REPOSITORY"}}


def _write(tmp_path, text: str):
    (tmp_path / "apprunner.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def _spec(tmp_path, text: str) -> RunSpec:
    return code_spec(REPOSITORY, _write(tmp_path, text))


def _refused(tmp_path, text: str) -> str:
    with pytest.raises(SpecError) as info:
        _spec(tmp_path, text)
    return str(info.value)


def test_a_full_revised_build_file_becomes_a_run_spec(tmp_path):
    spec = _spec(tmp_path, """
        version: 1.0
        runtime: python311
        build:
          commands:
            pre-build:
              - echo pre
            build:
              - pip install -r requirements.txt
            post-build:
              - python -m pytest -q
          env:
            - name: STAGE
              value: build
            - name: WORKERS
              value: 4
        run:
          runtime-version: 3.11.7
          pre-run:
            - pip install -r requirements.txt
          command: python app.py
          network:
            port: 8000
            env: MY_APP_PORT
          env:
            - name: GREETING
              value: hello
          secrets:
            - name: DB_PASSWORD
              value-from: arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf
    """)
    assert spec.runtime == "PYTHON_311"
    assert spec.build == (("pre-build", ("echo pre",)), ("build", ("pip install -r requirements.txt",)),
                          ("post-build", ("python -m pytest -q",)))
    assert dict(spec.build_env) == {"STAGE": "build", "WORKERS": "4"}
    assert spec.pre_run == ("pip install -r requirements.txt",)
    assert spec.command == "python app.py"
    assert (spec.port, spec.port_env) == (8000, "MY_APP_PORT")
    assert dict(spec.env) == {"GREETING": "hello"}
    assert dict(spec.secrets) == {"DB_PASSWORD": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}
    assert spec.runtime_version == "3.11.7"


def test_a_minimal_file_takes_the_defaults_and_omits_empty_phases(tmp_path):
    spec = _spec(tmp_path, """
        version: 1.0
        runtime: nodejs16
        build:
          commands:
            build:
              - npm install
        run:
          command: node index.js
    """)
    assert spec.runtime == "NODEJS_16"
    assert spec.build == (("build", ("npm install",)),)
    assert (spec.port, spec.port_env, spec.pre_run, dict(spec.env), dict(spec.secrets)) == (8080, None, (), {}, {})


@pytest.mark.parametrize("yaml_name,api_name", [("python3", "PYTHON_3"), ("nodejs22", "NODEJS_22"),
                                                ("corretto11", "CORRETTO_11"), ("go1", "GO_1"), ("php81", "PHP_81")])
def test_yaml_runtime_names_map_to_the_api_names(tmp_path, yaml_name, api_name):
    spec = _spec(tmp_path, f"""
        version: 1.0
        runtime: {yaml_name}
        build: {{commands: {{build: [make]}}}}
        run: {{command: ./serve, network: {{port: "9000"}}}}
    """)
    assert (spec.runtime, spec.port) == (api_name, 9000)


def test_pre_run_is_refused_for_an_original_build_runtime(tmp_path):
    message = _refused(tmp_path, """
        version: 1.0
        runtime: python3
        build: {commands: {build: [pip install flask]}}
        run: {pre-run: [echo hi], command: python app.py}
    """)
    assert "run.pre-run" in message and "revised App Runner build" in message and "python3" in message


@pytest.mark.parametrize("text,words", [
    ("version: 2.0\nruntime: python3\nbuild: {commands: {build: [x]}}\nrun: {command: y}\n", ["version", "1.0"]),
    ("version: 1.0\nruntime: python2\nbuild: {commands: {build: [x]}}\nrun: {command: y}\n", ["runtime", "python2"]),
    ("version: 1.0\nruntime: python3\nbuild: {commands: {build: [x]}}\nrun: {network: {port: 80}}\n",
     ["run.command"]),
    ("version: 1.0\nruntime: python3\nbuild: {commands: {build: [x]}}\nrun: {command: y, network: {port: http}}\n",
     ["run.network.port", "integer"]),
    ("version: 1.0\nruntime: python3\nbuild: {commands: {build: [x]}}\nrun: {command: y, network: {port: 70000}}\n",
     ["run.network.port", "65535"]),
    ("version: 1.0\nruntime: python3\nbuild: {commands: {post-build: [x]}}\nrun: {command: y}\n",
     ["build.commands.build"]),
    ("version: 1.0\nruntime: python3\nrun: {command: y}\n", ["build"]),
    ("version: 1.0\nruntime: python3\nbuild: {commands: {build: [x], test: [z]}}\nrun: {command: y}\n",
     ["build.commands.test"]),
    ("version: 1.0\nruntime: python3\nbuild: {commands: {build: [x]}}\nrun: {command: y, env: [{value: 1}]}\n",
     ["run.env[0]", "name"]),
    ("version: 1.0\nruntime: python3\nbuild: {commands: {build: [x]}}\nrun: {command: y, secrets: [{name: S}]}\n",
     ["run.secrets[0]", "value-from"]),
    ("version: 1.0\nruntime: [python3\n", ["not valid YAML"]),
    ("- just\n- a list\n", ["mapping"]),
])
def test_what_app_runner_would_refuse_is_a_spec_error_naming_the_field(tmp_path, text, words):
    message = _refused(tmp_path, text)
    assert "apprunner.yaml" in message
    for word in words:
        assert word in message


def test_a_missing_configuration_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="apprunner.yaml was not found"):
        code_spec(REPOSITORY, tmp_path)


def test_api_configuration_values():
    repository = dict(REPOSITORY, CodeConfiguration={"ConfigurationSource": "API", "CodeConfigurationValues": {
        "Runtime": "NODEJS_18", "BuildCommand": "npm ci", "StartCommand": "node server.js", "Port": "3000",
        "RuntimeEnvironmentVariables": {"A": "1"},
        "RuntimeEnvironmentSecrets": {"TOKEN": "arn:aws:ssm:us-east-1:123456789012:parameter/token"}}})
    spec = code_spec(repository, "/nonexistent")
    assert spec == RunSpec(runtime="NODEJS_18", build=(("build", ("npm ci",)),), build_env={}, pre_run=(),
                           command="node server.js", port=3000, port_env=None, env={"A": "1"},
                           secrets={"TOKEN": "arn:aws:ssm:us-east-1:123456789012:parameter/token"})
    assert "TOKEN" not in spec.env


def test_api_values_default_the_port_and_may_have_no_build_command():
    repository = dict(REPOSITORY, CodeConfiguration={"ConfigurationSource": "API", "CodeConfigurationValues": {
        "Runtime": "PYTHON_3", "StartCommand": "python app.py"}})
    spec = code_spec(repository, "/nonexistent")
    assert (spec.build, spec.port, spec.command) == ((), 8080, "python app.py")


@pytest.mark.parametrize("values,words", [
    (None, ["CodeConfigurationValues", "required"]),
    ({"Runtime": "PYTHON_2", "StartCommand": "x"}, ["CodeConfigurationValues.Runtime", "PYTHON_2"]),
    ({"Runtime": "PYTHON_3"}, ["CodeConfigurationValues.StartCommand"]),
    ({"Runtime": "PYTHON_3", "StartCommand": "x", "Port": "eighty"}, ["CodeConfigurationValues.Port", "integer"]),
])
def test_bad_api_values_are_spec_errors(values, words):
    repository = dict(REPOSITORY, CodeConfiguration={"ConfigurationSource": "API", "CodeConfigurationValues": values})
    with pytest.raises(SpecError) as info:
        code_spec(repository, "/nonexistent")
    for word in words:
        assert word in str(info.value)


def test_image_spec():
    spec = image_spec({"ImageIdentifier": "public.ecr.aws/x/y:latest", "ImageRepositoryType": "ECR_PUBLIC",
                       "ImageConfiguration": {"StartCommand": "gunicorn app:app", "Port": "8000",
                                              "RuntimeEnvironmentVariables": {"MODE": "prod"},
                                              "RuntimeEnvironmentSecrets": {"KEY": "arn:aws:ssm:::parameter/k"}}})
    assert (spec.runtime, spec.build, spec.pre_run, spec.command, spec.port) == (
        "IMAGE", (), (), "gunicorn app:app", 8000)
    assert (dict(spec.env), dict(spec.secrets)) == ({"MODE": "prod"}, {"KEY": "arn:aws:ssm:::parameter/k"})


def test_image_spec_without_configuration_uses_the_image_command_and_port_8080():
    spec = image_spec({"ImageIdentifier": "public.ecr.aws/x/y", "ImageRepositoryType": "ECR_PUBLIC"})
    assert (spec.command, spec.port, dict(spec.env)) == (None, 8080, {})
