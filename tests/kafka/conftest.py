from __future__ import annotations

import pytest

from kafkalab import Broker, Netns, start_broker

# The broker of the brief: INTERNAL on 127.0.0.1:29092 advertised as broker-1:29092 (a name that
# resolves nowhere in the namespace), EXTERNAL on 127.0.0.1:9092 advertised as localhost:9092.
TWO_LISTENERS = {
    "node.id": "1",
    "listeners": "INTERNAL://127.0.0.1:29092,EXTERNAL://127.0.0.1:9092",
    "advertised.listeners": "INTERNAL://broker-1:29092,EXTERNAL://localhost:9092",
    "listener.security.protocol.map": "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
    "inter.broker.listener.name": "INTERNAL",
}


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
