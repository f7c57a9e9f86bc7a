"""One file per kind of step (kernel object, file or process): its dataclass and its handler
(describe for `--dry-run`, the namespaces it touches, make in the kernel). The files are
discovered, so a new kind of kernel object is one new file here (copy netlab/steps/bridge.py).

- `handler(step) -> StepKind`: the handler of a step's kind
- `KINDS`: step class -> handler, every kind
"""

from __future__ import annotations

import importlib
import pkgutil

from netlab.steps.base import KINDS, LANES, ApplyContext, Step, StepKind, handler, register

__all__ = ["KINDS", "LANES", "ApplyContext", "Step", "StepKind", "handler", "register"]

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name != "base":
        importlib.import_module(f"{__name__}.{_info.name}")
