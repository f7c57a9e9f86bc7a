"""The broker's import graph (issue 10): no cycles, broker/ never imports netlab, the protocol
package is a leaf netlab may import, and netlab reaches into broker/ only there.

Read from the source with ast: module-level, function-level and TYPE_CHECKING imports alike.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules(package: str) -> dict[str, Path]:
    out = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(module: str, path: Path) -> set[str]:
    """Absolute names of everything `module` imports (a from-import of a name counts as the
    module it names, or else its package)."""
    found: set[str] = set()
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] if node.level else [])
            target = ".".join(x for x in (base, node.module or "") if x)
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)
    return found


BROKER = _modules("broker")
GRAPH = {
    m: {t for t in _imports(m, p) if t in BROKER and t != m and not m.startswith(t + ".")}
    for m, p in BROKER.items()
}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_graph_is_read():
    assert "broker.protocol.schema" in GRAPH["broker.protocol.messages.metadata"]
    assert "broker.node" in GRAPH["broker.request_context"]


def test_no_import_cycles_in_broker():
    assert _cycles(GRAPH) == []


def test_broker_never_imports_netlab():
    offenders = {m for m, p in BROKER.items() if any(t.split(".")[0] == "netlab" for t in _imports(m, p))}
    assert offenders == set()


def test_protocol_package_is_a_leaf():
    protocol = {m for m in BROKER if m.startswith("broker.protocol")}
    outside = {(m, t) for m in protocol for t in GRAPH[m] if not t.startswith("broker.protocol")}
    assert outside == set()


def test_no_module_imports_the_removed_dispatch_reexport():
    # broker/protocol/dispatch.py was a transitional re-export (issue 10); API modules import
    # broker.protocol.api and broker.request_context directly
    assert "broker.protocol.dispatch" not in BROKER
    assert {
        m for m, ts in GRAPH.items() if any(t.startswith("broker.protocol.dispatch") for t in ts)
    } == set()


def test_netlab_imports_only_the_protocol_and_properties_of_the_broker():
    # broker.config (and the broker.listeners it uses): `predict` refuses a config exactly where
    # the broker does, by running the broker's own validation (issue 15); both are pure modules
    allowed = ("broker.protocol", "broker.properties", "broker.config", "broker.listeners")
    used = {
        (m, t)
        for m, p in _modules("netlab").items()
        for t in _imports(m, p)
        if t.split(".")[0] == "broker" and not t.startswith(allowed)
    }
    assert used == set()
