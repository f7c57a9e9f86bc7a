"""The judge's rows, live, without waiting out the timeouts of clients whose row has failed anyway.

`netlab check` gives every real client the full timeout, and a client that cannot reach the
broker retries until then: most of a failing check's time is that wait (a refused connection is
reported after 0 ms, then retried for seconds). But a client row's verdict (netlab/kafka/explain.py,
`verdict`) fails whenever netlab's probe failed, whatever the client did: the client then only
adds its own words. So the judge runs, side by side:

- every probe and every broker-to-broker link with the full timeout, exactly as `netlab check`;
- every real client first with QUICK_S. A client that worked, or that failed with its own error
  text while the probe failed too, is final: the row's verdict is the one the full timeout gives.
  Any other client (the probe passed, or the client said nothing of its own) runs again with the
  full timeout, and that run is the row's result.

Same signature as netlab.kafka.verdicts.check (lab_report.live_report's `runner`), same verdicts
in the same order: only the wait for a settled failure is cut.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from netlab.kafka.clients import ClientResult, run_client
from netlab.kafka.explain import verdict
from netlab.kafka.results import ProbeResult, Verdict
from netlab.kafka.verdicts import MAX_WORKERS, CheckPlan, ClientCheck, check, run_probe
from netlab.kafka.views import World

# seconds a real client gets in the first round: every drill's failing client prints its error
# within milliseconds and a working one finishes in 0.05-0.6 s here (measured for each client
# library); a slower one only costs a second run
QUICK_S = 1.0


def settled(probe: ProbeResult, client: ClientResult | None) -> bool:
    """True when a longer run of this client cannot change the row: it worked, or the probe
    failed (the row fails on the probe's stage) and the client already said why in its words."""
    if client is None or client.ok:
        return True
    return probe.failed is not None and bool(client.client_error)


def quick_check(
    world: World,
    plan: CheckPlan,
    prefixes: dict[str, Sequence[str]],
    *,
    timeout: float,
    python: str | None = None,
) -> list[Verdict]:
    """Live verdicts, clients first then links, in plan order (as verdicts.check)."""
    python = python or sys.executable
    first = min(QUICK_S, timeout)

    def probe_of(c: ClientCheck) -> ProbeResult:
        return run_probe(c.bootstrap, prefixes[c.node], timeout=timeout, python=python)

    def client_of(c: ClientCheck, seconds: float) -> ClientResult | None:
        if c.client is None:
            return None
        return run_client(c.client, c.bootstrap, prefix=prefixes[c.node], timeout=seconds, python=python)

    with ThreadPoolExecutor(max_workers=MAX_WORKERS) as pool:
        links = pool.submit(check, world, CheckPlan([], plan.links), prefixes, timeout=timeout, python=python)
        clients = [pool.submit(client_of, c, first) for c in plan.clients]
        probes = [pool.submit(probe_of, c) for c in plan.clients]
        results = [(p.result(), r.result()) for p, r in zip(probes, clients, strict=True)]
        again = {
            i: pool.submit(client_of, c, timeout)
            for i, (c, (probe, client)) in enumerate(zip(plan.clients, results, strict=True))
            if first < timeout and not settled(probe, client)
        }
        out = [
            verdict(world, c.node, probe, again[i].result() if i in again else client)
            for i, (c, (probe, client)) in enumerate(zip(plan.clients, results, strict=True))
        ]
        return out + links.result()
