"""JSON Schema of the topology format (`netlab schema`), for editors.

Generated from the pydantic models, then widened where the loader accepts compose/containerlab
shorthands that the models normalise before validation (a port as "9092:9092", an endpoint as
"r1:eth1", `networks:` as a list, list forms of sysctls/extra_hosts/environment).
"""

from __future__ import annotations

import json

from netlab.topology.models import Topology

SCHEMA_ID = "https://netlab.invalid/schema/topology.json"

_PORT_SHORT = {
    "type": "string",
    "pattern": r"^(\d+\.\d+\.\d+\.\d+:)?\d+:\d+(/(tcp|udp))?$",
    "description": "[IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]",
}
_ENDPOINT_SHORT = {
    "type": "string",
    "pattern": r"^[a-z0-9-]+:[A-Za-z0-9_.-]+$",
    "description": "NODE:INTERFACE",
}
_KV_LIST = {"type": "array", "items": {"type": "string", "pattern": "^[^=]+=.*$"}}


def topology_schema() -> dict:
    schema = Topology.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    for name, short in (
        ("PortMapping", _PORT_SHORT),
        ("Endpoint", _ENDPOINT_SHORT),
        ("TunnelEndpoint", _ENDPOINT_SHORT),
        ("VxlanEndpoint", _ENDPOINT_SHORT),
    ):
        if name in defs:
            defs[name] = {"anyOf": [short, defs[name]], "title": defs[name].get("title", name)}
    node = defs.get("Node", {}).get("properties", {})
    _widen(node, "networks", {"type": "array", "items": {"type": "string"}})
    _widen(node, "sysctls", _KV_LIST)
    _widen(node, "extra_hosts", {"type": "array", "items": {"type": "string", "pattern": "^[^:=]+[:=].+$"}})
    _widen(node, "extra_hosts", {"type": "object", "additionalProperties": {"type": "string"}})
    proc = defs.get("ProcessSpec", {}).get("properties", {})
    _widen(proc, "environment", _KV_LIST)
    _allow_scalars(node.get("sysctls"))
    # `host:` / `kafka-net:` with nothing after them mean "all defaults"
    _allow_null_values(schema.get("properties", {}).get("nodes"))
    _allow_null_values(schema.get("properties", {}).get("networks"))
    _allow_null_values(node.get("networks"))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema


def _widen(properties: dict, key: str, alternative: dict) -> None:
    prop = properties.get(key)
    if prop is None:
        return
    if "anyOf" in prop:
        prop["anyOf"].append(alternative)
    else:
        base = {k: v for k, v in prop.items() if k not in ("title", "description", "default")}
        for k in list(base):
            prop.pop(k)
        prop["anyOf"] = [base, alternative]


def _allow_scalars(prop: dict | None) -> None:
    # sysctl values may be written as numbers (net.ipv4.ip_forward: 1)
    for alt in (prop or {}).get("anyOf", []):
        if alt.get("type") == "object":
            alt["additionalProperties"] = {"type": ["string", "integer", "boolean"]}


def _allow_null_values(prop: dict | None) -> None:
    if not prop:
        return
    for holder in [prop, *prop.get("anyOf", [])]:
        for pattern, value in holder.get("patternProperties", {}).items():
            holder["patternProperties"][pattern] = {"anyOf": [value, {"type": "null"}]}
        extra = holder.get("additionalProperties")
        if isinstance(extra, dict) and "$ref" in extra:
            holder["additionalProperties"] = {"anyOf": [extra, {"type": "null"}]}


def topology_schema_json() -> str:
    return json.dumps(topology_schema(), indent=2, sort_keys=True)
