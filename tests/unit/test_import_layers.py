"""netlab's modules import each other without cycles, counting imports inside functions too (a
lazy import must not hide a cycle), and the pure layers never import the runtime ones."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "netlab"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The netlab modules `path` imports anywhere in its body (a package counts as its __init__)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for target in targets:
            # `from netlab.lab import paths` names a module; `from netlab.x import f` names x
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def _ancestors(mod: str) -> list[str]:
    parts = mod.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _graph() -> dict[str, set[str]]:
    """module -> the modules importing it runs. Importing a.b.c runs a/__init__ and a/b/__init__
    first, so an importer also depends on those packages, unless it lives inside them already
    (a package's own modules run while it is being imported)."""
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(f) for f in files}
    graph = {}
    for f in files:
        mod = _module_name(f)
        own = set(_ancestors(mod)) | {mod}
        deps = set()
        for target in _imports(f, modules):
            deps.add(target)
            deps.update(a for a in _ancestors(target) if a in modules and a not in own)
        graph[mod] = deps
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_import_graph_is_read_from_the_source():
    graph = _graph()
    assert "netlab.plan" in graph and "netlab.resources" in graph["netlab.plan"]
    assert (
        "netlab.rundir" in graph["netlab.broker_files"] and "netlab.broker_files" in graph["netlab.brokers"]
    )
    # a parent package counts: importing netlab.kafka.broker_log runs netlab/kafka/__init__.py
    assert {"netlab.kafka.broker_log", "netlab.kafka"} <= graph["netlab.lab.brokers"]


def test_no_import_cycles_in_netlab():
    assert _cycles(_graph()) == []


def test_a_cycle_is_found_when_there_is_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_pure_layers_do_not_import_the_runtime():
    """topology/ and the plan compile without root and without the lab engine or the CLI."""
    graph = _graph()
    pure = [m for m in graph if m.startswith(("netlab.topology", "netlab.plan", "netlab.resources"))]
    for mod in pure:
        bad = {t for t in graph[mod] if t.startswith(("netlab.lab.apply", "netlab.lab.state", "netlab.cli"))}
        assert not bad, f"{mod} imports {bad}"
