"""One self-contained HTML page: the lab drawn with every row as an arrow, the table below it.

No network: inline SVG, CSS and a few lines of JS, nothing fetched. Without JS the page still
works (arrows are links to their table row; every failing row's details are printed under it);
with JS a click on an arrow or a row opens the details panel beside the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from .model import CONTROLLER, LINK, START, Row
from .svg import esc

KIND_WORDS = {START: "broker start", LINK: "broker → broker", CONTROLLER: "broker → controller"}


def _asset(name: str) -> str:
    return resources.files("netlab.report").joinpath(name).read_text()


def _to_cell(row: Row) -> str:
    if row.kind == START:
        return f'<span class="muted">starts:</span> {esc(row.to)}'
    reached = (
        f' <span class="muted">(reached {esc(row.to_node)})</span>'
        if row.to_node and row.to_node != row.to.rpartition(":")[0]
        else ""
    )
    return esc(row.to) + reached


def _expect_cell(row: Row) -> str:
    if row.expected is None:
        return ""
    if row.as_expected:
        return '<span class="ok-text">as expected</span>'
    return f'<span class="bad-text">expected {esc(row.expected)}</span>'


def _details(row: Row, answers: bool) -> str:
    """What a click shows: cause, the client's words, the setting, the packet story."""
    parts = [f"<h3>{row.index}. {esc(row.from_node)} → {esc(row.to)} <small>({esc(row.client)})</small></h3>"]
    if row.ok:
        parts.append('<p class="verdict ok-text">✓ works</p>')
    else:
        parts.append(
            f'<p class="verdict bad-text">✗ fails at: <b>{esc(row.step or row.stage or "?")}</b>'
            + (f" ({esc(row.target)})" if row.target else "")
            + f" <code>{esc(row.cause or '')}</code></p>"
        )
    if row.warning:
        parts.append(f'<p class="warning">⚠ {esc(row.warning)}</p>')
    if answers and row.cause_sentence:
        parts.append(f'<dl><dt>Why (netlab)</dt><dd class="cause">{esc(row.cause_sentence)}</dd>')
        if row.setting:
            parts.append(f'<dt>What to change</dt><dd class="setting">{esc(row.setting)}</dd>')
        parts.append("</dl>")
    if row.client_error:
        parts.append(
            f"<dl><dt>{esc(row.client)} said</dt>"
            f'<dd><pre class="client-error">{esc(row.client_error)}</pre></dd></dl>'
        )
    cap = row.capture
    if cap is not None:
        link = (
            f' <a href="{esc(cap.pcap)}" download>{esc(cap.pcap.rsplit("/", 1)[-1])}</a>' if cap.pcap else ""
        )
        story = "\n".join(cap.story) if cap.story else (cap.note or "no Kafka packet in this capture")
        parts.append(f'<dl><dt>Packets{link}</dt><dd><pre class="story">{esc(story)}</pre></dd></dl>')
    return "".join(parts)


def _row_html(row: Row, answers: bool) -> str:
    state = "ok" if row.ok else "bad"
    mark = "✓" if row.ok else "✗"
    cells = [
        f'<td class="num"><a href="#arrow-{row.index}">{row.index}</a></td>',
        f"<td>{esc(row.from_node)}</td>",
        f"<td>{_to_cell(row)}</td>",
        f"<td>{esc(KIND_WORDS.get(row.kind, row.client))}</td>",
        f'<td class="mark {state}-text">{mark}</td>',
        f"<td>{esc(row.step or '') if not row.ok else ('⚠' if row.warning else '')}</td>",
        f"<td>{_expect_cell(row)}</td>",
    ]
    main = (
        f'<tr id="row-{row.index}" class="row {state} {row.kind}" data-row="{row.index}" tabindex="0">'
        + "".join(cells)
        + "</tr>"
    )
    has_more = not row.ok or row.warning or row.capture is not None
    more = (
        f'<tr class="more {state}" id="more-{row.index}"><td></td><td colspan="6">'
        f'<div class="details" id="details-{row.index}">{_details(row, answers)}</div></td></tr>'
    )
    if not has_more:  # a working row's details exist for the panel, not the printed table
        more = more.replace('class="more ', 'class="more quiet ')
    return main + more


def page_html(
    rows: Sequence[Row],
    svg: str,
    *,
    title: str,
    subtitle: str | None = None,
    notes: Sequence[str] = (),
    answers: bool = True,
) -> str:
    ok = sum(r.ok for r in rows)
    mismatched = [r for r in rows if r.as_expected is False]
    summary = f"{ok} of {len(rows)} work"
    if any(r.expected is not None for r in rows):
        summary += (
            f"; {len(mismatched)} differ from the topology's expect:"
            if mismatched
            else "; every row as the topology expects"
        )
    notes_html = "".join(f'<p class="note">note: {esc(n)}</p>' for n in notes)
    legend = (
        '<p class="legend"><span class="ok-text">✓ green</span>: works · '
        '<span class="bad-text">✗ red</span>: '
        "fails, the ✗ sits on the failing step (name near the client, connect near the broker, "
        "advertised on a thin dashed leg from the client to where the advertised endpoint led it) · "
        "dashed: broker → broker · dotted: broker → controller · "
        "a ✓/✗ on a broker's corner: did it start · "
        "? : leads nowhere from that node (no route, no such name). "
        "Click an arrow or a row.</p>"
    )
    table = (
        '<table id="rows"><thead><tr><th>#</th><th>from</th><th>to</th><th>client</th><th></th>'
        "<th>failing step</th><th>expect:</th></tr></thead><tbody>"
        + "".join(_row_html(r, answers) for r in rows)
        + "</tbody></table>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{esc(title)}</title><style>{_asset('page.css')}</style></head><body>"
        f"<header><h1>{esc(title)}</h1>"
        + (f'<p class="subtitle">{esc(subtitle)}</p>' if subtitle else "")
        + f'<p class="summary" id="summary">{esc(summary)}</p>{notes_html}</header>'
        f'<main><div class="picture"><figure id="lab">{svg}</figure>'
        '<aside id="panel" hidden aria-live="polite"><button type="button" id="panel-close" '
        'aria-label="close">×</button><div id="panel-body"></div></aside></div>'
        f"{legend}{table}</main>"
        "<footer>netlab report · one file, no network needed · "
        "the table is the same data without the picture</footer>"
        f"<script>{_asset('page.js')}</script></body></html>\n"
    )
