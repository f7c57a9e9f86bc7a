"""Helpers shared by test modules (importable as `support`; tests/ is on pythonpath)."""

from __future__ import annotations

import time

import pytest

NOT_RUN_PREFIX = "NOT RUN ON THIS MACHINE: "

# Test files that build labs under the same fixed name, so they must never run at the same time:
# file -> a group whose files run in one xdist worker, one after the other (tests/conftest.py;
# tests/unit/test_lab_names.py checks that no other two files share a fixed name). Empty today:
# every live test names its labs for itself (drills too, with `drill start --lab`).
SHARED_LABS: dict[str, str] = {}


def not_on_this_kernel(feature: str, why: str = "") -> None:
    """Skip loudly: the check could not run here, which is not the same as passing."""
    pytest.skip(f"{NOT_RUN_PREFIX}{feature} is missing from this kernel{': ' + why if why else ''}")


def not_runnable_here(what: str) -> None:
    pytest.skip(f"{NOT_RUN_PREFIX}{what}")


def missing_program(excinfo) -> str | None:
    """The program name if `excinfo` is subprocess failing to find the program to run (a
    FileNotFoundError raised while starting a child), else None."""
    import os

    exc = excinfo.value
    if not isinstance(exc, FileNotFoundError) or not exc.filename:
        return None
    if not any(entry.name == "_execute_child" for entry in excinfo.traceback):
        return None
    return os.path.basename(str(exc.filename))


def poll(what, timeout: float, step: float = 0.1):
    """`what()` until it is truthy (returned), at most `timeout` seconds; then its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = what()
        if v:
            return v
        time.sleep(step)
    return what()
