"""The API registry of this process: one module per Kafka API under broker/apis/, each exposing
`API` (a broker.protocol.api.Api).

The registry is what the ApiVersions answer is built from, so adding an API module is the only
step needed to serve (and advertise) it. Modules are found by listing the package (plugin
discovery, not a hidden import cycle: broker/apis/ modules never import this module's callers).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from . import apis
from .protocol.api import Api, Registry

_default: Registry | None = None


def discover() -> Registry:
    """Import every module of broker.apis and register its `API` (once per process)."""
    global _default
    if _default is not None:
        return _default
    reg = Registry()
    for mod in sorted(pkgutil.iter_modules(apis.__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{apis.__name__}.{mod.name}")
        api: Any = getattr(module, "API", None)
        if isinstance(api, Api):
            reg.add(api)
    _default = reg
    return reg
