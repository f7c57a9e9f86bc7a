from __future__ import annotations

import pytest
from kafkalab import TWO_LISTENERS, Broker, Netns, start_broker


@pytest.fixture(scope="module")
def kafka_ns(tmp_path_factory):
    """A loopback-only namespace running the two-listener broker; (namespace, broker)."""
    ns = Netns("two")
    broker: Broker | None = None
    try:
        broker = start_broker(TWO_LISTENERS, tmp_path_factory.mktemp("kafka"), ns.prefix)
        assert broker.proc.poll() is None and "started" in broker.output(), broker.output()
        yield ns, broker
    finally:
        if broker is not None:
            broker.stop()
        ns.destroy()
