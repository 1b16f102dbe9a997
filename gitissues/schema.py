"""The shipped JSON Schema of the issue file (`gi schema`), and a check of an issue against it.

The check implements the part of JSON Schema that the shipped schema uses (type, enum, const,
pattern, minLength, minimum, maximum, required, properties, additionalProperties, items,
format date-time), small enough to run on every `--set` without a dependency; the test suite
checks it against the reference validator (`jsonschema`) on generated issues.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

SCHEMA_FILE = Path(__file__).with_name("issue.schema.json")
_TIME = re.compile(r"^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)$")
_TYPES = {"string": str, "object": dict, "array": list, "boolean": bool}


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def text() -> str:
    return SCHEMA_FILE.read_text(encoding="utf-8")


def errors(instance: Any) -> list[str]:
    """What in `instance` (an issue as JSON: `Issue.to_dict()`) the schema refuses, each as
    `path: message`; empty when it conforms."""
    found: list[str] = []
    _check(schema(), instance, "", found)
    return found


def _is(kind: str, value: Any) -> bool:
    if kind == "null":
        return value is None
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES[kind])


def _check(rule: dict[str, Any], value: Any, path: str, found: list[str]) -> None:
    where = path or "(the issue)"
    kinds = rule.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_is(k, value) for k in kinds):
            found.append(f"{where}: expected {' or '.join(kinds)}, got {_name(value)}")
            return
    if "enum" in rule and value not in rule["enum"]:
        found.append(f"{where}: {value!r} is not one of {', '.join(map(str, rule['enum']))}")
    if "const" in rule and value != rule["const"]:
        found.append(f"{where}: must be {rule['const']!r}")
    if isinstance(value, str):
        _check_string(rule, value, where, found)
    if _is("number", value):
        if "minimum" in rule and value < rule["minimum"]:
            found.append(f"{where}: {value} is less than {rule['minimum']}")
        if "maximum" in rule and value > rule["maximum"]:
            found.append(f"{where}: {value} is more than {rule['maximum']}")
    if isinstance(value, dict):
        _check_object(rule, value, path, found)
    if isinstance(value, list) and "items" in rule:
        for n, item in enumerate(value):
            _check(rule["items"], item, f"{path}[{n}]", found)


def _check_string(rule: dict[str, Any], value: str, where: str, found: list[str]) -> None:
    if "pattern" in rule and not re.search(rule["pattern"], value):
        found.append(f"{where}: {value!r} does not match {rule['pattern']}")
    if "minLength" in rule and len(value) < rule["minLength"]:
        found.append(f"{where}: shorter than {rule['minLength']} character(s)")
    if rule.get("format") == "date-time" and not _is_time(value):
        found.append(f"{where}: {value!r} is not an RFC 3339 date-time")


def _is_time(value: str) -> bool:
    if not _TIME.match(value):
        return False
    from datetime import datetime

    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _check_object(rule: dict[str, Any], value: dict, path: str, found: list[str]) -> None:
    for key in rule.get("required", ()):
        if key not in value:
            found.append(f"{path + '.' if path else ''}{key}: required")
    properties = rule.get("properties", {})
    extra = rule.get("additionalProperties", True)
    for key, item in value.items():
        child = f"{path}.{key}" if path else str(key)
        if key in properties:
            _check(properties[key], item, child, found)
        elif extra is False:
            found.append(f"{child}: not allowed here")
        elif isinstance(extra, dict):
            _check(extra, item, child, found)


def _name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object"}.get(type(value), type(value).__name__)
