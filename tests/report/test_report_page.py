"""The report page as text: model → SVG/HTML, no browser (tests/report/test_report_browser.py
opens the same pages in chromium)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
import support

from netlab.kafka.lab_report import predicted_report
from netlab.kafka.results import Verdict
from netlab.report import RowCapture, render_lab_report, render_report, report_parts
from netlab.report.model import reached_node, split_reason
from netlab.report.svg import BAD, MARK_AT, OK
from netlab.topology import DEFAULT_TOPOLOGY, load_topology, loads_topology

FIVE = DEFAULT_TOPOLOGY.parent / "02-five-brokers.yaml"
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _needs_dot():
    if shutil.which("dot") is None:
        support.not_runnable_here("graphviz `dot` is not installed (apt-get install graphviz)")


def svg_of(page: str) -> ElementTree.Element:
    """The inline SVG of a page, parsed as XML (it must be well-formed to be drawn)."""
    found = re.search(r"<svg .*?</svg>", page, re.S)
    assert found is not None, "the page has no inline SVG"
    return ElementTree.fromstring(found.group(0))


def arrows(svg: ElementTree.Element) -> dict[int, ElementTree.Element]:
    return {int(a.get("data-row", "0")): a for a in svg.iter(f"{SVG_NS}a")}


@pytest.mark.parametrize("path", [DEFAULT_TOPOLOGY, FIVE], ids=["default", "five-brokers"])
def test_every_row_is_an_arrow_and_a_table_row_in_its_colour(path):
    topology = load_topology(path)
    report = predicted_report(topology)
    page = render_lab_report(report, topology, live=False)
    svg = svg_of(page)
    drawn = arrows(svg)
    assert sorted(drawn) == list(range(1, len(report.verdicts) + 1))
    for i, v in enumerate(report.verdicts, 1):
        a = drawn[i]
        classes = a.get("class").split()
        assert ("ok" if v.ok else "bad") in classes and ("bad" if v.ok else "ok") not in classes
        assert a.get("href") == f"#row-{i}"  # without JS an arrow still leads to its row
        assert re.search(rf'<tr id="row-{i}" class="row {"ok" if v.ok else "bad"} ', page)
        circle = a.find(f".//{SVG_NS}circle")
        assert circle.get("fill") == (OK if v.ok else BAD)
        line = a.find(f".//{SVG_NS}path[@class='line']")
        if report.kinds[i - 1] == "start":
            assert line is None  # a broker's start is a badge on its box
        else:
            assert line.get("stroke") == (OK if v.ok else BAD)
            assert line.get("marker-end") == f"url(#head-{'ok' if v.ok else 'bad'})"
    assert len(page.encode()) < 300_000


def test_the_failing_step_is_marked_on_each_red_arrow():
    topology = load_topology(DEFAULT_TOPOLOGY)
    report = predicted_report(topology)
    rows, svg_text = report_parts(report.verdicts, topology, kinds=report.kinds)
    drawn = arrows(ElementTree.fromstring(svg_text))
    steps = {r.index: r.step for r in rows if not r.ok}
    # the default lab: name resolution, advertised name, localhost connect, advertised connect
    assert set(steps.values()) == {
        "name resolution",
        "advertised endpoint: name resolution",
        "connect",
        "advertised endpoint: connect",
    }
    for i, step in steps.items():
        labels = [t.text for t in drawn[i].iter(f"{SVG_NS}text") if "step" in (t.get("class") or "")]
        assert labels == [MARK_AT[step][1]], (i, step, labels)
    for r in rows:
        if r.ok:
            assert not [t for t in drawn[r.index].iter(f"{SVG_NS}text") if t.get("class") == "step"]


def test_a_working_row_with_a_warning_says_so_on_its_arrow():
    topology = load_topology(DEFAULT_TOPOLOGY.parent / "10-kubernetes.yaml")
    report = predicted_report(topology)
    rows, svg_text = report_parts(report.verdicts, topology, kinds=report.kinds)
    drawn = arrows(ElementTree.fromstring(svg_text))
    warned = [r for r in rows if r.ok and r.warning]
    assert warned  # local-pod → localhost:9092: ::1 refuses, 127.0.0.1 accepts
    for r in rows:
        marks = [t.text for t in drawn[r.index].iter(f"{SVG_NS}text") if t.get("class") == "step warn"]
        assert marks == (["⚠ some addresses"] if r in warned else [])


def test_arrows_end_at_the_node_the_connection_reached():
    topology = load_topology(DEFAULT_TOPOLOGY)
    report = predicted_report(topology)
    rows, _ = report_parts(report.verdicts, topology, kinds=report.kinds)
    by = {(r.from_node, r.to): r.to_node for r in rows if r.kind == "client"}
    assert by[("host", "localhost:9092")] == "broker"  # through the published port
    assert by[("host", "broker:29092")] == "broker"  # does not resolve on host: the name's node
    assert by[("client-1", "localhost:9092")] == "client-1"  # its own loopback: a loop
    from netlab.kafka.lab_report import world_of

    assert reached_node(world_of(topology), "host", "nosuchname:9092") is None


def test_a_failed_advertised_endpoint_is_a_leg_to_where_it_led():
    topology = load_topology(DEFAULT_TOPOLOGY)
    report = predicted_report(topology)
    rows, svg_text = report_parts(report.verdicts, topology, kinds=report.kinds)
    drawn = arrows(ElementTree.fromstring(svg_text))
    legs = {r.index: r for r in rows if r.advertised_failed}
    # host → 10.5.0.3:29092 is told broker:29092, which host cannot resolve: the leg leads nowhere;
    # client-1 → broker:9092 is told localhost:9092: the leg loops back onto client-1 itself
    assert {(r.from_node, r.to, r.advertised_node) for r in legs.values()} == {
        ("host", "10.5.0.3:29092", None),
        ("client-1", "broker:9092", "client-1"),
    }
    for i, r in legs.items():
        a = drawn[i]
        assert len(a.findall(f"{SVG_NS}path[@class='leg']")) == 1
        nowhere = [t for t in a.iter(f"{SVG_NS}text") if t.get("class") == "nowhere"]
        assert (r.advertised_node is None) == bool(nowhere)
    for r in rows:
        if not r.advertised_failed and r.kind != "start":
            assert drawn[r.index].findall(f"{SVG_NS}path[@class='leg']") == []


def test_five_brokers_draws_broker_and_controller_links():
    topology = load_topology(FIVE)
    report = predicted_report(topology)
    page = render_lab_report(report, topology, live=False)
    drawn = arrows(svg_of(page))
    kinds = [a.get("class").split()[2] for _, a in sorted(drawn.items())]
    assert kinds.count("start") == 5 and kinds.count("client") == 10
    assert kinds.count("link") == 20 and kinds.count("controller") == 4  # 5×4 INTERNAL, 4 to the voter
    assert len(drawn) == len(report.verdicts) == 39


def test_cause_setting_and_client_error_are_split_out_and_hidden_without_answers():
    topology = load_topology(DEFAULT_TOPOLOGY)
    report = predicted_report(topology)
    page = render_lab_report(report, topology, live=False)
    v = next(v for v in report.verdicts if not v.ok and " — " in (v.reason or ""))
    cause, setting = split_reason(v.reason)
    assert cause and setting and cause + " — " + setting == v.reason
    assert f'<dd class="cause">{escape(cause)}</dd>' in page
    assert f'<dd class="setting">{escape(setting)}</dd>' in page
    assert escape(v.client_error) in page
    drill = render_report(report.verdicts, topology, kinds=report.kinds, answers=False)
    assert 'class="cause"' not in drill and 'class="setting"' not in drill
    assert escape(v.client_error) in drill  # the symptom stays


def test_split_reason_forms():
    assert split_reason("a b — change c") == ("a b", "change c")
    assert split_reason("x refused; host can bootstrap from y:1") == (
        "x refused",
        "host can bootstrap from y:1",
    )
    assert split_reason("Metadata failed: boom") == ("Metadata failed: boom", None)
    assert split_reason(None) == (None, None)
    link = "b:1 refused: bound to lo — bind it to 0.0.0.0 (Kafka logs: Connection to node 1 (b/x:1) no.)"
    assert split_reason(link) == (
        "b:1 refused: bound to lo (Kafka logs: Connection to node 1 (b/x:1) no.)",
        "bind it to 0.0.0.0",
    )


def escape(text: str) -> str:
    from html import escape as esc

    return esc(text, quote=True)


EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def evil_page() -> tuple[str, list[Verdict]]:
    """The default lab with a client's error, a cause and the description carrying markup."""
    text = DEFAULT_TOPOLOGY.read_text().replace(
        "description:", f"description: '{EVIL.replace(chr(39), '')}' #", 1
    )
    topology = loads_topology(text, "evil.yaml")
    report = predicted_report(topology)
    bad = next(i for i, v in enumerate(report.verdicts) if not v.ok)
    report.verdicts[bad].client_error = EVIL
    report.verdicts[bad].reason = f"cause {EVIL} — set {EVIL}"
    captures: list[RowCapture | None] = [None] * len(report.verdicts)
    captures[bad] = RowCapture(f'x".pcap{EVIL}', [f"story {EVIL}"])
    return render_lab_report(report, topology, live=False, captures=captures), report.verdicts


def test_everything_user_controlled_is_escaped():
    page, _ = evil_page()
    assert "<script>window" not in page and "<img" not in page
    assert page.count("<script>") == 1  # the page's own
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    svg_of(page)  # still well-formed XML


def test_page_is_self_contained():
    topology = load_topology(FIVE)
    page = render_lab_report(predicted_report(topology), topology, live=False)
    assert not re.search(r"<(link|iframe|object|embed|img)\b", page)
    assert not re.search(r"\b(src|srcset)=", page)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}  # the SVG namespace name, never fetched
    assert "@media (prefers-color-scheme: dark)" in page and "@media print" in page


def test_a_capture_shows_its_story_and_links_its_pcap():
    topology = load_topology(DEFAULT_TOPOLOGY)
    report = predicted_report(topology)
    captures: list[RowCapture | None] = [None] * len(report.verdicts)
    captures[5] = RowCapture("check.pcaps/row06-client-1.pcap", ["client-1 → 127.0.0.1:9092  SYN … RST"])
    page = render_lab_report(report, topology, live=False, captures=captures)
    assert '<a href="check.pcaps/row06-client-1.pcap" download>row06-client-1.pcap</a>' in page
    assert "client-1 → 127.0.0.1:9092  SYN … RST" in page


@pytest.mark.parametrize("path", sorted(DEFAULT_TOPOLOGY.parent.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_lab_draws_every_row(path):
    topology = load_topology(path)
    report = predicted_report(topology)
    drawn = arrows(svg_of(render_lab_report(report, topology, live=False)))
    assert sorted(drawn) == list(range(1, len(report.verdicts) + 1))
    assert [("ok" in a.get("class").split()) for _, a in sorted(drawn.items())] == [
        v.ok for v in report.verdicts
    ]


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real `netlab` command line, bounded in time, no stdin, a wide terminal."""
    return subprocess.run(
        [sys.executable, "-m", "netlab", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
        stdin=subprocess.DEVNULL,
    )


def test_the_verbs_write_the_page(tmp_path):
    five = run_cli("report", str(FIVE), "-o", "five.html", cwd=tmp_path)
    assert five.returncode == 0, five.stderr
    assert five.stdout.startswith("38 of 39 work")
    assert (tmp_path / "five.html").read_text().count('<tr id="row-') == 39
    predict = run_cli("predict", str(DEFAULT_TOPOLOGY), "--html", "p.html", cwd=tmp_path)
    assert predict.returncode == 0, predict.stderr
    assert "4 of 8 work" in predict.stdout  # the terminal table is still printed
    assert "predicted from the topology file" in (tmp_path / "p.html").read_text()
    nowhere = run_cli("predict", str(DEFAULT_TOPOLOGY), "--html", "no/such/dir/p.html", cwd=tmp_path)
    assert nowhere.returncode == 2 and "--html" in nowhere.stderr and "cannot write" in nowhere.stderr
    early = run_cli("report", "somelab", "-o", "no/such/dir/r.html", cwd=tmp_path)
    assert early.returncode == 2 and "is not a writable directory" in early.stderr  # before any check
    capture = run_cli("report", str(DEFAULT_TOPOLOGY), "--capture", cwd=tmp_path)
    assert capture.returncode == 2 and "--capture needs a running lab" in capture.stderr
