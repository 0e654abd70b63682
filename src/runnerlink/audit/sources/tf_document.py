"""The JSON of `terraform show -json` (a saved plan or the state) as resource instances with their known values,
and the configuration's expression references to follow where a plan doesn't know a value yet."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNKNOWN = object()  # a value the plan computes only at apply

_INDEX = re.compile(r"\[[^\]]*\]")
_REFERENCE = re.compile(r'^(?P<type>[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)(?P<index>\[[^\]]*\])?(?:\.(?P<attr>[a-z0-9_]+))?')


@dataclass
class Instance:
    address: str  # module.endpoints.aws_vpc_endpoint.apprunner, aws_subnet.public[0]
    module: str  # "" for the root module, else module.endpoints (with instance keys)
    type: str
    name: str
    key: Any  # count index, for_each key, or None
    values: dict
    unknown: dict | bool = field(default_factory=dict)  # the plan's after_unknown

    @property
    def resource(self) -> str:
        """The resource's address without the instance key."""
        return f"{self.module + '.' if self.module else ''}{self.type}.{self.name}"

    def get(self, *path: Any) -> Any:
        """The value at path (keys and list indexes); UNKNOWN when the plan computes it at apply; None when absent."""
        value: Any = self.values
        unknown: Any = self.unknown
        for step in path:
            if unknown is True:
                return UNKNOWN
            unknown = _step(unknown, step)
            value = _step(value, step)
        if unknown is True or (value is None and _contains_true(unknown)):
            return UNKNOWN
        return value


def _step(value: Any, step: Any) -> Any:
    if isinstance(value, dict):
        return value.get(step)
    if isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
        return value[step]
    return None


def _contains_true(value: Any) -> bool:
    if value is True:
        return True
    if isinstance(value, dict):
        return any(_contains_true(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_true(v) for v in value)
    return False


@dataclass
class Document:
    kind: str  # "plan" | "state"
    instances: list[Instance]
    configuration: dict  # {} for a state
    by_address: dict[str, Instance] = field(default_factory=dict)
    by_resource: dict[str, list[Instance]] = field(default_factory=dict)
    _configs: dict[str, dict] = field(default_factory=dict, repr=False)  # module → (type, name) → its configuration

    def __post_init__(self) -> None:
        for instance in self.instances:
            self.by_address[instance.address] = instance
            self.by_resource.setdefault(instance.resource, []).append(instance)

    def provider_region(self) -> str | None:
        provider = (self.configuration.get("provider_config") or {}).get("aws") or {}
        region = (provider.get("expressions") or {}).get("region") or {}
        value = region.get("constant_value")
        return value if isinstance(value, str) and value else None

    def module_config(self, module: str) -> dict:
        """The configuration of a module (by its instance address, keys ignored); {} when unknown."""
        config = self.configuration.get("root_module") or {}
        for name in _module_names(module):
            config = ((config.get("module_calls") or {}).get(name) or {}).get("module") or {}
        return config

    def module_sources(self) -> dict[str, str]:
        """Module path ("" root, "module.a.module.b") → its `source` as written in each call."""
        found: dict[str, str] = {}

        def walk(config: dict, prefix: str) -> None:
            for name, call in (config.get("module_calls") or {}).items():
                path = f"{prefix + '.' if prefix else ''}module.{name}"
                found[path] = call.get("source", "")
                walk(call.get("module") or {}, path)

        walk(self.configuration.get("root_module") or {}, "")
        return found

    def resource_config(self, instance: Instance) -> dict:
        module = _INDEX.sub("", instance.module)
        if module not in self._configs:
            self._configs[module] = {(r.get("type"), r.get("name")): r
                                     for r in self.module_config(module).get("resources") or []
                                     if r.get("mode", "managed") == "managed"}
        return self._configs[module].get((instance.type, instance.name), {})

    # --- following references -------------------------------------------------------------------------------

    def references(self, instance: Instance, *path: str | int) -> list[tuple[Instance, str | None]]:
        """What the configuration's expression at path (attribute names and block indexes) refers to, as
        (resource instance, attribute) pairs — through module variables and outputs, count.index and each.value."""
        expressions = self.resource_config(instance).get("expressions") or {}
        refs = _references_at(expressions, path)
        return self._resolve(instance.module, refs, instance.key, instance, depth=0)

    def _resolve(self, module: str, refs: list[str], key: Any, instance: Instance | None,
                 depth: int) -> list[tuple[Instance, str | None]]:
        if depth > 16:
            return []
        refs = [r for r in refs if not any(o != r and o.startswith(r + ".") or o.startswith(r + "[")
                                           for o in refs)]
        has_count = "count.index" in refs
        targets: list[tuple[Instance, str | None]] = []
        for ref in refs:
            if ref.startswith(("count.", "each.key", "local.", "data.", "path.", "terraform.", "self.")):
                continue
            if ref.startswith("each.value") and instance is not None:
                rest = ref[len("each.value"):].lstrip(".")
                for_each = (self.resource_config(instance).get("for_each_expression") or {}).get("references") or []
                for target, attr in self._resolve(module, for_each, None, None, depth + 1):
                    if target.key == key or len(self.by_resource.get(target.resource, [])) == 1:
                        targets.append((target, rest.split(".")[0] or attr))
                continue
            if ref.startswith("var."):
                targets += self._variable(module, ref.split(".")[1], depth)
                continue
            if ref.startswith("module."):
                parts = ref.split(".")
                if len(parts) >= 3:
                    targets += self._output(module, parts[1], parts[2], depth)
                continue
            match = _REFERENCE.match(ref)
            if not match:
                continue
            resource = f"{module + '.' if module else ''}{match['type']}.{match['name']}"
            candidates = self.by_resource.get(resource, [])
            if match["index"]:
                wanted = _parse_key(match["index"][1:-1])
                candidates = [c for c in candidates if c.key == wanted]
            elif has_count and isinstance(key, int):
                candidates = [c for c in candidates if c.key == key] or candidates
            targets += [(c, match["attr"]) for c in candidates]
        return targets

    def _variable(self, module: str, name: str, depth: int) -> list[tuple[Instance, str | None]]:
        if not module:
            return []
        parent, call, key = _parent(module)
        calls = self.module_config(parent).get("module_calls") or {}
        expression = ((calls.get(call) or {}).get("expressions") or {}).get(name) or {}
        return self._resolve(parent, expression.get("references") or [], key, None, depth + 1)

    def _output(self, module: str, call: str, output: str, depth: int) -> list[tuple[Instance, str | None]]:
        child = f"{module + '.' if module else ''}module.{call}"
        outputs = self.module_config(child).get("outputs") or {}
        expression = (outputs.get(output) or {}).get("expression") or {}
        instances = [m for m in {i.module for i in self.instances} if _INDEX.sub("", m) == child]
        answer = []
        for instance_module in instances or [child]:
            answer += self._resolve(instance_module, expression.get("references") or [], None, None, depth + 1)
        return answer


def _module_names(module: str) -> list[str]:
    parts = _INDEX.sub("", module).split(".") if module else []
    return [parts[i + 1] for i in range(0, len(parts) - 1, 2) if parts[i] == "module"]


def _parent(module: str) -> tuple[str, str, Any]:
    """module.a.module.b[0] → ("module.a", "b", 0): the calling module, the call, the instance's key."""
    head, _, last = module.rpartition("module.")
    index = _INDEX.search(last)
    return head.rstrip("."), _INDEX.sub("", last), _parse_key(index.group(0)[1:-1]) if index else None


def _parse_key(text: str) -> Any:
    text = text.strip()
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    try:
        return int(text)
    except ValueError:
        return text


def _references_at(expressions: Any, path: tuple) -> list[str]:
    """The references of the expression at path, else of the nearest enclosing block that has them (Terraform
    records a block given as an attribute, like route = [...], with its references at the block level)."""
    found: list[str] = []
    node: Any = expressions
    for step in path:
        if isinstance(node, dict) and node.get("references"):
            found = node["references"]
        if isinstance(node, list):
            node = node[step] if isinstance(step, int) and step < len(node) else (node[0] if node else None)
            if isinstance(step, int):
                continue
        if isinstance(node, list):
            node = node[0] if node else None
        node = node.get(step) if isinstance(node, dict) else None
        if node is None:
            break
    if isinstance(node, dict) and node.get("references"):
        found = node["references"]
    return list(found)


# --- reading the file ------------------------------------------------------------------------------------------


def read(path: str | Path) -> Document:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a text file (a binary plan? give the JSON of `terraform show -json PLAN`)") \
            from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON ({error.msg} at line {error.lineno}); give the output of "
                         f"`terraform show -json` of a plan file or of the state") from None
    return parse(data, str(path))


def parse(data: Any, name: str = "the input") -> Document:
    if not isinstance(data, dict) or "format_version" not in data:
        raise ValueError(f"{name} is not the output of `terraform show -json` (no format_version)")
    if "planned_values" in data or "resource_changes" in data:
        changes = {c.get("address"): c for c in data.get("resource_changes") or [] if isinstance(c, dict)}
        instances = [_instance(r, changes) for r in _walk((data.get("planned_values") or {}).get("root_module"))]
        return Document("plan", [i for i in instances if i is not None], data.get("configuration") or {})
    values = data.get("values")
    if values is not None and not isinstance(values, dict):
        raise ValueError(f"{name} is not the output of `terraform show -json` (values is not an object)")
    instances = [_instance(r, {}) for r in _walk((values or {}).get("root_module"))]
    return Document("state", [i for i in instances if i is not None], data.get("configuration") or {})


def _walk(module: Any):
    if not isinstance(module, dict):
        return
    yield from (r for r in module.get("resources") or [] if isinstance(r, dict))
    for child in module.get("child_modules") or []:
        yield from _walk(child)


def _instance(resource: dict, changes: dict) -> Instance | None:
    if resource.get("mode", "managed") != "managed" or "type" not in resource or "address" not in resource:
        return None
    address = resource["address"]
    module = address[: -len(_local_address(resource)) - 1] if "." in address else ""
    change = (changes.get(address) or {}).get("change") or {}
    return Instance(address=address, module=module if address != _local_address(resource) else "",
                    type=resource["type"], name=resource.get("name", ""), key=resource.get("index"),
                    values=resource.get("values") or {}, unknown=change.get("after_unknown") or {})


def _local_address(resource: dict) -> str:
    index = resource.get("index")
    suffix = "" if index is None else (f'["{index}"]' if isinstance(index, str) else f"[{index}]")
    return f"{resource['type']}.{resource.get('name', '')}{suffix}"
