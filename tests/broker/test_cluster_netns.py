"""An advertised inter-broker host that does not resolve, in a throwaway namespace whose names
come from files only (the failing lookup never reaches the machine's resolver): the follower's
ReplicaFetcher logs Kafka's unresolved form and the ISR shrinks."""

from __future__ import annotations

import subprocess

import pytest
from clusterproc import Cluster
from test_listeners_netns import netns  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]


def test_unresolvable_advertised_inter_broker_host(tmp_path, netns):  # noqa: F811
    c = Cluster(tmp_path, prefix=["ip", "netns", "exec", netns])
    n1 = c.nodes[1]
    n1.extra = [
        f"advertised.listeners=INTERNAL://broker-one:{n1.internal},EXTERNAL://127.0.0.1:{n1.external}",
        "default.replication.factor=2",
        "num.partitions=2",
    ]
    try:
        c.start(1)
        c.start(2)
        # a producer's first Metadata creates the topic: 2 partitions, RF 2, leaders 1 and 2
        subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                netns,
                "kcat",
                "-b",
                n1.bootstrap,
                "-P",
                "-t",
                "auto",
                "-X",
                "message.timeout.ms=3000",
            ],
            input=b"x\n",
            capture_output=True,
            timeout=30,
        )
        assert c.wait(lambda: any(t["name"] == "auto" for t in c.state()["topics"]), 10), c.state()
        led_by_1 = [
            p["p"]
            for t in c.state()["topics"]
            if t["name"] == "auto"
            for p in t["partitions"]
            if p["leader"] == 1
        ]
        assert led_by_1, c.state()
        text = (
            f"[ReplicaFetcher replicaId=2, leaderId=1, fetcherId=0] Error connecting to node "
            f"broker-one:{n1.internal} (id: 1 rack: null)"
        )
        assert c.wait(lambda: text in c.output(2), 10), c.output(2)[-3000:]
        assert "java.net.UnknownHostException: broker-one: Name or service not known" in c.output(2)
        assert c.wait(lambda: all(c.partition("auto", p)["isr"] == [1] for p in led_by_1), 10), c.state()
    finally:
        c.stop_all()
