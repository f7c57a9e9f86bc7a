"""The suite's test files run in parallel (scripts/test, docs/testing.md), so two files that build
a lab under the same fixed name would break each other. A lab name in a test is either made fresh
per test (a random token or the pid in it), or a fixed name that no other test file uses; files
that must share one (a drill's lab is named after the drill) are listed together in
tests/support.py's SHARED_LABS and run in one worker, one after the other.

This test finds the fixed names statically: module constants named like LAB or DRILL, and the
`lab:` line of topology text written in a test file that builds labs (marked `root`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from support import SHARED_LABS

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
NAME_CONSTANT = re.compile(r"^[A-Z_]*(LAB|DRILL)[A-Z_]*$")
LAB_LINE = re.compile(r"^lab:\s*([A-Za-z0-9_]+)\s*$", re.M)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _replaced(tree: ast.AST) -> set[int]:
    """String constants that are what `.replace(old, new)` looks for (a shipped lab's name being
    renamed away), not a lab the test builds."""
    return {
        id(node.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "replace"
        and node.args
    }


def fixed_lab_names(source: str) -> set[str]:
    tree = ast.parse(source)
    names: set[str] = set()
    for node in tree.body:  # module constants: LAB = "dkengine", DRILL = "localhost_to_container"
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            value = node.value.value
            if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_]+", value):
                if any(isinstance(t, ast.Name) and NAME_CONSTANT.match(t.id) for t in node.targets):
                    names.add(value)
    if "mark.root" not in source:
        return names  # only files marked root build labs; the rest only parse topology text
    skip = _docstrings(tree) | _replaced(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if "nodes:" in node.value:
                names.update(LAB_LINE.findall(node.value))
    return names


def test_fixed_lab_names_are_found():
    source = 'import pytest\npytestmark = pytest.mark.root\nLAB = "dkx"\nT = "lab: fixed\\nnodes: {}\\n"\n'
    assert fixed_lab_names(source) == {"dkx", "fixed"}
    renamed = (
        'import pytest\npytestmark = pytest.mark.root\nT = open("f").read().replace("lab: a\\nnodes:", "")\n'
    )
    assert fixed_lab_names(renamed) == set()


def test_no_fixed_lab_name_is_used_by_two_test_files():
    users: dict[str, set[str]] = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        rel = str(path.relative_to(REPO))
        for name in fixed_lab_names(path.read_text()):
            users.setdefault(name, set()).add(SHARED_LABS.get(rel, rel))
    shared = {name: sorted(files) for name, files in users.items() if len(files) > 1}
    assert shared == {}, (
        "these fixed lab names are used by several test files, which run in parallel: give each "
        f"file its own name (or list the files together in tests/support.py SHARED_LABS): {shared}"
    )
