"""Fixtures for capture tests: throwaway namespaces (deleted by exact name)."""

from __future__ import annotations

import os

import pytest
from nsfix import Lab


@pytest.fixture
def lab(request):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    made = Lab(request.node.name[:6].strip("_[").replace("_", "") or "t")
    try:
        yield made
    finally:
        made.destroy()
