from __future__ import annotations

import pytest
from dockerlab import start_test_engine, stop_test_engine


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """A private dockerd in its own throwaway namespace, for the whole module."""
    t = start_test_engine("m", tmp_path_factory.mktemp("dockerd"))
    try:
        yield t
    finally:
        stop_test_engine(t)
