"""`netlab check --html --capture`, `netlab report` and `netlab graph --lab` on a running default
lab: real clients, one real pcap per row (read back by tshark), and the page opened in chromium
where a click on the red arrow of client-1 → localhost:9092 shows the refused SYNs of its own
capture."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
import support
from browser_cdp import Browser, available
from test_report_browser import panel_text, point_on
from test_report_page import run_cli

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]


def netlab(*args: str, cwd: Path = ROOT, timeout: float = 240) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=cwd, timeout=timeout)


@pytest.fixture(autouse=True)
def _tools():
    """Before any lab is built: what this test needs, or a loud NOT RUN."""
    for tool, why in (("dot", "graphviz"), ("tshark", "tshark")):
        if shutil.which(tool) is None:
            support.not_runnable_here(f"{why} is not installed")
    if available() is None:
        support.not_runnable_here("chromium is not installed (apt-get install chromium)")


@pytest.fixture
def default_lab(tmp_path):
    lab = "rpt" + secrets.token_hex(3)
    text = (ROOT / "topologies" / "default.yaml").read_text()
    lines = [f"lab: {lab}" if line.startswith("lab:") else line for line in text.splitlines()]
    path = tmp_path / "lab.yaml"
    path.write_text("\n".join(lines) + "\n")
    up = netlab("up", str(path))
    try:
        assert up.returncode == 0, up.stderr
        yield lab
    finally:
        down = netlab("down", lab)
        assert down.returncode == 0, down.stderr


def test_check_capture_html_and_report(default_lab, tmp_path):
    page = tmp_path / "check.html"
    result = netlab("check", default_lab, "--html", str(page), "--capture", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    pcaps = sorted((tmp_path / "check.pcaps").glob("*.pcap"))
    # rows 2-8 are clients (row 1 is the broker's start): one pcap each
    assert [p.name for p in pcaps] == [
        "row02-host.pcap",
        "row03-host.pcap",
        "row04-host.pcap",
        "row05-client-1.pcap",
        "row06-client-1.pcap",
        "row07-client-1.pcap",
        "row08-client-2.pcap",
    ]
    resets = subprocess.run(
        [
            "tshark",
            "-r",
            str(tmp_path / "check.pcaps" / "row06-client-1.pcap"),
            "-Y",
            "tcp.flags.reset == 1 && tcp.srcport == 9092",
            "-T",
            "fields",
            "-e",
            "ip.src",
            "-e",
            "ipv6.src",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resets.returncode == 0 and resets.stdout.strip(), (
        resets.stderr
    )  # localhost:9092 refused, on the wire
    unresolved = subprocess.run(
        ["tshark", "-r", str(tmp_path / "check.pcaps" / "row03-host.pcap"), "-Y", "tcp.port == 29092"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unresolved.returncode == 0 and unresolved.stdout.strip() == ""  # broker did not resolve: no packet

    text = page.read_text()
    assert 'href="check.pcaps/row06-client-1.pcap"' in text
    # row 3, the name that did not resolve: nothing sent (a fresh lab's IPv6 router solicitations aside)
    assert re.search(r"no packet at all: host sent nothing|no connection to a Kafka port from host", text)
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(page.as_uri())
        assert browser.js("document.querySelectorAll('svg.lab a.arrow').length") == 8
        x, y = point_on(browser, 6)
        browser.click(x, y)
        shown = panel_text(browser)
        assert "client-1 → 127.0.0.1:9092  SYN … RST (connection refused)" in shown
        assert "nothing listens on port 9092 inside client-1 itself" in shown
        link = browser.js("document.querySelector('#panel a[download]').href")
        assert link == (tmp_path / "check.pcaps" / "row06-client-1.pcap").as_uri()
        browser.screenshot(tmp_path / "check-live.png")
        print(f"screenshot: {tmp_path / 'check-live.png'}")
    finally:
        browser.close()

    drawn = netlab("graph", "--lab", default_lab, "--format", "svg")  # the running lab, by graphviz
    assert drawn.returncode == 0 and "<svg" in drawn.stdout and "br&#45;kafka 10.5.0.1" in drawn.stdout

    report = netlab("report", default_lab, "-o", str(tmp_path / "r.html"), cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith("4 of 8 work")
    assert (tmp_path / "r.html").read_text().count('<tr id="row-') == 8
