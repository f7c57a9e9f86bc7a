"""Run by lab_build.py with Debian's python3 *inside a scratch network namespace*, so that
Mininet's root-namespace objects (its LinuxBridge switch and the switch ends of the veths)
live in that scratch namespace and the machine's real root namespace is never touched.

Prints one JSON line: {"up_s", "down_s", "host_pids"} (pids so the caller can verify that
nothing of Mininet survives). Never calls Mininet's pattern-based cleanup (`mn -c`)."""

import json
import sys
import time

from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.nodelib import LinuxBridge
from mininet.topo import SingleSwitchTopo


def main() -> None:
    n = int(sys.argv[1])
    setLogLevel("error")
    t0 = time.perf_counter()
    net = Mininet(
        topo=SingleSwitchTopo(k=n),
        switch=LinuxBridge,
        controller=None,
        autoSetMacs=False,
        waitConnected=False,
    )
    net.start()
    up = time.perf_counter() - t0
    pids = [h.pid for h in net.hosts] + [s.pid for s in net.switches]
    with open(sys.argv[2], "w") as fh:  # written before stop, in case stop dies half way
        json.dump(pids, fh)
    t1 = time.perf_counter()
    net.stop()
    down = time.perf_counter() - t1
    print(json.dumps({"up_s": up, "down_s": down, "host_pids": pids}))


if __name__ == "__main__":
    main()
