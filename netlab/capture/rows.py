"""`netlab check --capture`: one pcap per row, each with its packet story.

The rows of a check normally run side by side; two rows from one node would then share one
capture. With --capture they run one at a time instead (slower: the rows' times add up), each
inside a packet capture on every interface of the node the row starts from, so a row's pcap
holds that row's packets and nothing of the others. The runner has the signature of
`netlab.kafka.verdicts.check`, which `lab_report.live_report(..., runner=)` takes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from netlab.capture.capture import Capture
from netlab.capture.decode import iter_events
from netlab.capture.labinfo import LabInfo
from netlab.capture.pcapio import PcapWriter
from netlab.capture.story import Story
from netlab.kafka.results import Verdict
from netlab.kafka.verdicts import GRACE_S, CheckPlan, check
from netlab.kafka.views import World

MAX_PACKETS = 20_000  # per row: a check row is a few dozen packets; this bounds the file
TAIL_S = 0.3  # after a row: its last FIN/RST
MAX_STORY_LINES = 400


@dataclass
class RowPcap:
    row: int  # the report row (1-based)
    node: str
    path: Path | None
    story: list[str] = field(default_factory=list)
    note: str | None = None


def _capture_while(
    netns: str, path: Path, run: Callable[[], list[Verdict]], budget_s: float
) -> tuple[list[Verdict], int]:
    """Run `run()` while capturing on every interface of `netns` into `path`; (its result, packets)."""
    cap = Capture(netns, None)  # the socket is open (and queuing) from here on
    writer = PcapWriter(path, cap.linktype)
    stats: list = []
    worker = threading.Thread(
        target=lambda: stats.append(cap.run(writer.write, count=MAX_PACKETS, duration=budget_s)),
        name=f"capture-{path.name}",
        daemon=True,
    )
    worker.start()
    try:
        result = run()
    finally:
        time.sleep(TAIL_S)
        cap.stop()
        worker.join(timeout=5)
        writer.close()
        cap.close()
    return result, writer.count


def story_lines(path: Path, info: LabInfo | None, node: str) -> list[str]:
    """The readable story of one row's pcap (as `netlab decode --lab LAB --node NODE` tells it)."""
    story = Story(local_node=node)
    ports = None
    if info is not None:
        story.names, story.hosts = info.names, info.hosts
        ports = set(info.kafka_ports) or None
    out: list[str] = []
    for ev in iter_events(path, ports, bodies=True, connections=True):
        out.extend(story.lines(ev))
        if len(out) > MAX_STORY_LINES:
            return out[:MAX_STORY_LINES] + [f"… (more in the pcap; netlab decode {path.name})"]
    return out + story.finish()


class RowCaptures:
    """A check runner: each row alone, under a capture in its node; pcaps in `directory`."""

    def __init__(self, netns: dict[str, str], directory: Path, info: LabInfo | None = None):
        self.netns = netns
        self.directory = directory
        self.info = info
        self.pcaps: list[RowPcap] = []

    def __call__(
        self,
        world: World,
        plan: CheckPlan,
        prefixes: dict[str, Sequence[str]],
        *,
        timeout: float,
        python: str | None = None,
    ) -> list[Verdict]:
        self.directory.mkdir(parents=True, exist_ok=True)
        first = len(world.brokers) + 1  # the start rows come first in a report and need no capture
        singles = [(c.node, CheckPlan([c], [])) for c in plan.clients]
        singles += [(link.node, CheckPlan([], [link])) for link in plan.links]
        out: list[Verdict] = []
        for i, (node, one) in enumerate(singles):
            row = first + i
            path = self.directory / f"row{row:02d}-{node}.pcap"

            def run(one=one) -> list[Verdict]:
                return check(world, one, prefixes, timeout=timeout, python=python)

            # a row runs its probe and then its client, each bounded by timeout * 30 + GRACE_S
            # (netlab.kafka.verdicts); the capture is bounded by both, so it never ends before the row
            budget = 2 * (timeout * 30 + GRACE_S)
            verdicts, packets = _capture_while(self.netns[node], path, run, budget_s=budget)
            out.extend(verdicts)
            self.pcaps.append(self._told(row, node, path, packets))
        return out

    def _told(self, row: int, node: str, path: Path, packets: int) -> RowPcap:
        if packets == 0:  # e.g. a name that did not resolve: nothing was sent at all
            return RowPcap(row, node, path, note=f"no packet at all: {node} sent nothing for this row")
        try:
            lines = story_lines(path, self.info, node)
        except Exception as exc:  # noqa: BLE001 - a story that cannot be told leaves the pcap usable
            return RowPcap(row, node, path, note=f"the capture could not be decoded: {exc}")
        quiet = (
            f"no connection to a Kafka port from {node} in this row ({packets} other packets, in the pcap)"
        )
        return RowPcap(row, node, path, lines, None if lines else quiet)
