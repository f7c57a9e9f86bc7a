"""The report page in a real browser: Debian's headless chromium opens the page of the default
lab and of the five-broker lab from a file:// URL with the network off, takes screenshots, and
the DevTools protocol (browser_cdp.py) checks the DOM: every arrow and row, a real mouse click on
a red arrow shows its cause, dark mode, print, no JS, escaping, no request but the page.

Screenshots are kept in pytest's tmp_path (their paths are printed: `pytest -s` or -rA shows
them). NETLAB_UPDATE_DOCS_IMG=1 also copies the default lab's, after a click on a red arrow,
into docs/img/ for the README.
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest
import support
from browser_cdp import Browser, available
from test_report_page import FIVE, evil_page

from netlab.kafka.lab_report import predicted_report
from netlab.report import render_lab_report
from netlab.report.model import split_reason
from netlab.topology import DEFAULT_TOPOLOGY, load_topology

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if available() is None:
        support.not_runnable_here("chromium is not installed (apt-get install chromium)")
    if shutil.which("dot") is None:
        support.not_runnable_here("graphviz `dot` is not installed (apt-get install graphviz)")
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def write_page(tmp_path: Path, path: Path) -> tuple[Path, list]:
    topology = load_topology(path)
    report = predicted_report(topology)
    out = tmp_path / f"{topology.topology.lab}.html"
    out.write_text(render_lab_report(report, topology, live=False))
    return out, report.verdicts


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def point_on(browser: Browser, row: int) -> tuple[float, float]:
    """Page coordinates of a point on a row's arrow line where that arrow is on top (where a
    user would click it: arrows cross, so not every point of a line is its own)."""
    found = browser.js(
        f"""(() => {{ const p = document.querySelector('#arrow-{row} path.line');
        p.scrollIntoView({{block: 'center'}});
        for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.35, 0.65, 0.25, 0.75]) {{
          const q = p.getPointAtLength(p.getTotalLength() * t).matrixTransform(p.getScreenCTM());
          const hit = document.elementFromPoint(q.x, q.y);
          if (hit && hit.closest('a.arrow') && hit.closest('a.arrow').id === 'arrow-{row}') return [q.x, q.y];
        }}
        return null; }})()"""
    )
    assert found is not None, f"arrow {row} is covered by other arrows along its whole length"
    return found


def panel_text(browser: Browser) -> str | None:
    return browser.js(
        "document.getElementById('panel').hidden ? null : document.getElementById('panel').innerText"
    )


@pytest.mark.parametrize("path", [DEFAULT_TOPOLOGY, FIVE], ids=["default", "five-brokers"])
def test_every_arrow_and_row_and_a_click_on_a_red_arrow(browser, tmp_path, path):
    page, verdicts = write_page(tmp_path, path)
    browser.open(page.as_uri())
    assert browser.requests == [page.as_uri()]  # nothing but the page itself
    drawn = browser.js(
        "[...document.querySelectorAll('svg.lab a.arrow')].map(a => [+a.dataset.row,"
        " a.classList.contains('ok'), a.getBoundingClientRect().width > 0])"
    )
    rows = browser.js(
        "[...document.querySelectorAll('#rows tr.row')].map(r => [+r.dataset.row,"
        " r.classList.contains('ok')])"
    )
    expected = [[i, v.ok] for i, v in enumerate(verdicts, 1)]
    assert sorted(drawn) == [[i, ok, True] for i, ok in expected]  # drawn, visible, coloured as the verdict
    assert rows == expected
    colours = browser.js(
        "[...document.querySelectorAll('svg.lab a.arrow:not(.start) path.line')]"
        ".map(p => getComputedStyle(p).stroke)"
    )
    assert set(colours) <= {"rgb(26, 127, 55)", "rgb(207, 34, 46)"}
    shot = browser.screenshot(tmp_path / f"{page.stem}.png")
    w, h = png_size(shot)
    assert w >= 1000 and h >= 600
    print(f"screenshot: {shot}")

    bad = [i for i, v in enumerate(verdicts, 1) if not v.ok and v.client != "broker"]
    assert bad, "each of these labs has a failing client row"
    assert panel_text(browser) is None
    for i in bad:
        x, y = point_on(browser, i)
        browser.click(x, y)
        text = panel_text(browser)
        assert text is not None, f"a click on arrow {i} opened no panel"
        v = verdicts[i - 1]
        cause, setting = split_reason(v.reason)
        assert cause in text and v.client_error in text
        if setting:
            assert setting in text
        assert browser.js(f"document.getElementById('row-{i}').classList.contains('selected')")
    clicked = browser.screenshot(tmp_path / f"{page.stem}-clicked.png", full_page=False)
    print(f"screenshot after a click on arrow {bad[-1]}: {clicked}")
    if path == DEFAULT_TOPOLOGY and os.environ.get("NETLAB_UPDATE_DOCS_IMG") == "1":
        DOCS_IMG.mkdir(exist_ok=True)
        shutil.copy(clicked, DOCS_IMG / "report-default.png")


def test_a_click_on_a_table_row_and_the_keyboard(browser, tmp_path):
    page, verdicts = write_page(tmp_path, DEFAULT_TOPOLOGY)
    browser.open(page.as_uri())
    i = next(i for i, v in enumerate(verdicts, 1) if not v.ok and v.client != "broker")
    x, y = browser.js(
        f"(() => {{ const r = document.querySelector('#row-{i} td:nth-child(3)'); r.scrollIntoView();"
        " const b = r.getBoundingClientRect(); return [b.x + 5, b.y + b.height / 2]; })()"
    )
    browser.click(x, y)
    assert split_reason(verdicts[i - 1].reason)[0] in panel_text(browser)
    ok = next(i for i, v in enumerate(verdicts, 1) if v.ok and v.client != "broker")
    browser.js(f"document.getElementById('arrow-{ok}').focus()")
    browser.page(
        "Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13
    )
    assert "✓ works" in panel_text(browser)


def test_dark_mode_and_print(browser, tmp_path):
    page, verdicts = write_page(tmp_path, DEFAULT_TOPOLOGY)
    try:
        browser.page(
            "Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": "dark"}]
        )
        browser.open(page.as_uri())
        assert browser.js("getComputedStyle(document.body).backgroundColor") == "rgb(13, 17, 23)"
        assert browser.js(
            "getComputedStyle(document.querySelector('svg.lab .arrow.bad path.line')).stroke"
        ) == ("rgb(248, 81, 73)")
        browser.screenshot(tmp_path / "default-dark.png")
        browser.page("Emulation.setEmulatedMedia", media="print", features=[])
        bad = next(i for i, v in enumerate(verdicts, 1) if not v.ok)
        x, y = point_on(browser, bad)
        browser.click(x, y)  # an open panel is not printed; every failing row's details are
        assert browser.js("getComputedStyle(document.getElementById('panel')).display") == "none"
        shown = browser.js(
            "[...document.querySelectorAll('#rows tr.more.bad')].map(r => getComputedStyle(r).display)"
        )
        assert shown and set(shown) == {"table-row"}
        assert browser.js("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    finally:
        browser.page("Emulation.setEmulatedMedia", media="", features=[])


def test_without_javascript_the_table_carries_everything(browser, tmp_path):
    page, verdicts = write_page(tmp_path, DEFAULT_TOPOLOGY)
    browser.page("Emulation.setScriptExecutionDisabled", value=True)
    try:
        browser.open(page.as_uri())
        assert browser.js("document.documentElement.classList.contains('js')") is False  # page.js did not run
        bad = [i for i, v in enumerate(verdicts, 1) if not v.ok]
        shown = browser.js(
            "[...document.querySelectorAll('#rows tr.more.bad')].map(r => [r.id, getComputedStyle(r).display,"
            " r.innerText])"
        )
        assert [s[0] for s in shown] == [f"more-{i}" for i in bad]
        for (_, display, text), i in zip(shown, bad, strict=True):
            assert display == "table-row" and split_reason(verdicts[i - 1].reason)[0] in text
        x, y = point_on(browser, bad[0])
        browser.click(x, y)  # an arrow is a link to its row
        assert browser.js("location.hash") == f"#row-{bad[0]}"
        browser.screenshot(tmp_path / "default-nojs.png", full_page=False)
    finally:
        browser.page("Emulation.setScriptExecutionDisabled", value=False)


def test_markup_in_an_error_stays_text_in_the_browser(browser, tmp_path):
    text, verdicts = evil_page()
    page = tmp_path / "evil.html"
    page.write_text(text)
    browser.open(page.as_uri())
    assert browser.js("typeof window.__pwned") == "undefined"
    assert browser.js("document.querySelectorAll('img').length") == 0
    bad = next(i for i, v in enumerate(verdicts, 1) if not v.ok)
    x, y = point_on(browser, bad)
    browser.click(x, y)
    shown = panel_text(browser)
    assert "<script>window.__pwned = 1</script>" in shown  # shown as text, literally
    assert browser.requests == [page.as_uri()]  # the injected <img src=x> never loaded
