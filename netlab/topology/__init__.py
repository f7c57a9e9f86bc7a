"""The topology file: load, validate, and name things (see docs/topology.md for the format).

Public API:
- `load_topology(path) -> Resolved`: YAML -> validated model (`.topology`) with every decision
  the compiler needs made (resolve.py); every problem raises
  `InputError(message, where="<file>:<line>: <dotted.path>")`.
- `loads_topology(text, filename) -> Resolved`: the same from a string.
- `resolve(topology) -> Resolved`: for a Topology built in code; `as_resolved(x)` takes either.
- `DEFAULT_TOPOLOGY`: topologies/default.yaml of this checkout.
- `netns_name(lab, node)`: `netlab-<lab>-<node>`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from netlab.errors import InputError
from netlab.topology.errors import translate_validation_error
from netlab.topology.models import Topology
from netlab.topology.resolve import Resolved, TopologyError, as_resolved, resolve
from netlab.topology.source import Source, parse_yaml, read_source

__all__ = [
    "DEFAULT_TOPOLOGY",
    "Resolved",
    "Topology",
    "as_resolved",
    "load_topology",
    "loads_topology",
    "netns_name",
    "resolve",
]

# netlab/topology/__init__.py -> repo root (editable install: the checkout itself).
DEFAULT_TOPOLOGY: Path = Path(__file__).resolve().parents[2] / "topologies" / "default.yaml"


def netns_name(lab: str, node: str) -> str:
    """The network namespace of a node (no length limit applies to namespace names)."""
    return f"netlab-{lab}-{node}"


def load_topology(path: str | Path) -> Resolved:
    """Read, validate and resolve a topology file (raises InputError with file:line: path)."""
    return _from_source(read_source(path))


def loads_topology(text: str, filename: str = "<string>") -> Resolved:
    return _from_source(parse_yaml(text, filename))


def _from_source(src: Source) -> Resolved:
    if not isinstance(src.data, dict) or not src.data:
        raise InputError(
            "a topology file is a YAML mapping with at least `lab:` and `nodes:`", where=f"{src.filename}:1"
        )
    try:
        topology = Topology.model_validate(src.data)
    except ValidationError as exc:
        message, path = translate_validation_error(exc, src.data)
        raise InputError(message, where=src.where(path)) from None
    topology._source = src.filename
    try:
        return resolve(topology)
    except TopologyError as exc:
        raise InputError(exc.message, where=src.where(exc.path)) from None
