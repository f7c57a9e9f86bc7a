"""The verbs share their options (netlab/cli/_options.py): a short flag means one thing in every
verb, no verb imports another, and the verbs that read a topology default to the default lab."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest
import typer.main

from netlab.cli import app
from netlab.topology import DEFAULT_TOPOLOGY

CLI = Path(__file__).resolve().parents[2] / "netlab" / "cli"


def _options_by_verb() -> dict[str, list[list[str]]]:
    group = typer.main.get_group(app)
    return {name: [p.opts for p in cmd.params if p.opts] for name, cmd in group.commands.items()}


def test_every_short_flag_has_one_meaning():
    meaning: dict[str, set[str]] = {}
    for verb, params in _options_by_verb().items():
        for opts in params:
            longs = sorted(o for o in opts if o.startswith("--"))
            for short in (o for o in opts if len(o) == 2 and o.startswith("-")):
                meaning.setdefault(short, set()).update(longs or [f"{verb}:{short}"])
    assert meaning, "no short flags found: the test reads the wrong app"
    assert {k: v for k, v in meaning.items() if len(v) > 1} == {}
    assert meaning["-f"] == {"--follow"}


def test_json_means_json_everywhere():
    verbs = _options_by_verb()
    with_json = [v for v, params in verbs.items() if any("--json" in o for o in params)]
    assert {"up", "status", "check", "predict", "validate", "logs", "config", "restart"} <= set(with_json)


def test_no_verb_imports_another_verb():
    verbs = {p.stem for p in CLI.glob("*.py") if not p.stem.startswith("_")}
    offenders = []
    for path in CLI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[:2] == ["netlab", "cli"] and len(parts) > 2 and parts[2] in verbs:
                    if parts[2] != path.stem:
                        offenders.append(f"{path.name} imports {name}")
    assert offenders == []


@pytest.fixture
def netlab(capsys, monkeypatch):
    from netlab.cli import main

    def run(*args: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["netlab", *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        return code, capsys.readouterr().out

    return run


@pytest.mark.parametrize("verb", [["predict", "--json"], ["validate", "--json"], ["graph", "--json"]])
def test_topology_verbs_default_to_the_default_lab(netlab, verb):
    code, default = netlab(*verb)
    code2, explicit = netlab(*verb, str(DEFAULT_TOPOLOGY))
    assert (code, default) == (code2, explicit)
    assert code == 0 and json.loads(default)
