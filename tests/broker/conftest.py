from __future__ import annotations

import pytest
from brokerproc import start_broker


@pytest.fixture
def broker(tmp_path):
    """A running broker on 127.0.0.1:<free port>; stopped with SIGTERM afterwards."""
    bp = start_broker(tmp_path)
    assert bp.proc.poll() is None, bp.output()
    yield bp
    rc = bp.stop()
    assert rc == 0, f"broker did not shut down cleanly (rc={rc}):\n{bp.output()}"
