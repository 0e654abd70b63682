"""Which emulated service and operation a request is for: X-Amz-Target, then the SigV4 scope with Action=."""

from __future__ import annotations

from dataclasses import dataclass

from runnerlink.errors import UnknownOperation
from runnerlink.wire.models import service_model
from runnerlink.wire.validate import InputStyle


@dataclass(frozen=True)
class ServiceSpec:
    """What the edge needs to know of one emulated service."""

    model_name: str  # botocore model name ("apprunner")
    signing_name: str  # SigV4 credential-scope service ("apprunner")
    validation_error: type  # the AWSError subclass this service uses for bad input
    # How the service words bad input (its codes, messages, enum spellings it accepts); None: Coral's, in
    # validation_error — "1 validation error detected: … failed to satisfy constraint: …".
    input_style: InputStyle | None = None

    @property
    def bad_input(self):
        """What the protocol's parse is given: the service's input style, or Coral's validation error class."""
        return self.input_style if self.input_style is not None else self.validation_error

    @property
    def protocol(self) -> str:
        return service_model(self.model_name).protocol

    @property
    def target_prefix(self) -> str | None:
        return service_model(self.model_name).metadata.get("targetPrefix")


class Router:
    def __init__(self, specs: list[ServiceSpec]):
        self.specs = specs
        self._by_target = {spec.target_prefix: spec for spec in specs if spec.target_prefix}
        self._by_signing = {spec.signing_name: spec for spec in specs}
        self._operations = {
            spec.model_name: {name: service_model(spec.model_name).operation_model(name) for name in
                              service_model(spec.model_name).operation_names}
            for spec in specs
        }

    def by_target(self, target: str):
        """(spec, operation model) for an X-Amz-Target value such as "AppRunner.ListServices"."""
        prefix, _, name = target.rpartition(".")
        spec = self._by_target.get(prefix)
        if spec is None:
            raise UnknownOperation(f"The target {target} is not an operation of any service runnerlink emulates.")
        operation = self._operations[spec.model_name].get(name)
        if operation is None:
            raise UnknownOperation(f"{name} is not an operation of {spec.model_name}.")
        return spec, operation

    def by_signing_name(self, signing_name: str) -> ServiceSpec | None:
        return self._by_signing.get(signing_name)

    def operation(self, spec: ServiceSpec, name: str):
        """The operation model of an Action= name."""
        operation = self._operations[spec.model_name].get(name)
        if operation is None:
            raise UnknownOperation(f"{name} is not an operation of {spec.model_name}.", code="InvalidAction")
        return operation
