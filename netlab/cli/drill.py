"""`netlab drill list|start|check|hint|solution|apply|reset|stop`: broken labs to fix, judged live.

Calls netlab.drill.session only (never another verb). Exit 0 ok (check: solved), 1 not solved
or a lab failure, 2 bad input (unknown drill, no drill running, lab gone, corrupt progress)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from netlab.cli._kafka import check_html_target
from netlab.cli._render import console
from netlab.errors import InputError

drill_app = typer.Typer(
    help="Listener misconfiguration drills: a broken lab, a story, a live judge.", no_args_is_help=True
)

STARS = {1: "●○○", 2: "●●○", 3: "●●●"}


def _brokers(brokers) -> None:
    for b in brokers:
        if b.state != "started":
            console.print(
                f"  [red]✗[/] broker in {b.node} did not start: {escape(b.error or b.state)}",
                highlight=False,
                soft_wrap=True,
            )


@drill_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="one object per drill")) -> None:
    """Every drill with your state (new / started / solved), attempts, hints used, best time."""
    from netlab.drill.progress import load_progress
    from netlab.drill.session import list_drills

    rows = list_drills(load_progress())
    if as_json:
        typer.echo(json.dumps(rows, indent=1))
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for col in ("id", "title", "level", "topics", "state", "tries", "hints", "best"):
        table.add_column(col)
    for r in rows:
        best = f"{r['best_seconds']:.0f} s" if r["best_seconds"] is not None else ""
        state = r["state"] + (" (running)" if r["running"] else "")
        table.add_row(
            r["id"],
            r["title"],
            STARS[r["difficulty"]],
            ", ".join(r["topics"]),
            state,
            str(r["attempts"] or ""),
            str(r["hints_used"] or ""),
            best,
        )
    console.print(table, highlight=False)
    console.print("start one: sudo netlab drill start <id> [--seed N]", highlight=False)


@drill_app.command()
def start(
    drill_id: str = typer.Argument(..., metavar="ID", help="a drill id (netlab drill list)"),
    seed: int | None = typer.Option(None, "--seed", min=0, help="replay a variant (printed at start)"),
    lab: str | None = typer.Option(
        None, "--lab", help="name the lab (default: the drill's id), e.g. when that lab is taken"
    ),
) -> None:
    """Build the drill's broken lab and tell its story."""
    from netlab.drill.judge import diagnosis
    from netlab.drill.labs import require_root
    from netlab.drill.session import start as start_drill

    require_root()
    s = start_drill(drill_id, seed, lab)
    v, story = s.variant, s.variant.story
    console.print(
        f"[bold]{escape(v.drill.title)}[/]  ({v.drill.id}, difficulty {v.drill.difficulty}, seed {v.seed})",
        highlight=False,
    )
    console.print(f"\n{escape(story['who'].strip())}", highlight=False, soft_wrap=True)
    c = s.complaint
    said = c.client_error or diagnosis(c.reason) or "it fails"  # the symptom, never netlab's remedy
    console.print(
        f"\n  {c.from_node}$ {c.client or 'kcat'} → {c.to}\n  [red]{escape(said)}[/]",
        highlight=False,
        soft_wrap=True,
    )
    _brokers(s.brokers)
    console.print(
        f"\n[bold]You may change:[/] {escape(story['may_change'].strip())}", highlight=False, soft_wrap=True
    )
    console.print(f"[bold]How:[/] {escape(story['how'].strip())}", highlight=False, soft_wrap=True)
    console.print(
        f"  the lab is [bold]{v.lab}[/]; its topology: {s.lab_file}", highlight=False, soft_wrap=True
    )
    # the seed alone replays the variant; its parameters are not printed (one of them may be the
    # answer, e.g. which of five brokers is broken)
    console.print(
        f"  variant: seed {v.seed} — replay with: sudo netlab drill start {v.drill.id} --seed {v.seed}"
        + (f" --lab {v.lab}" if v.lab != v.drill.id else ""),
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        "  judge: sudo netlab drill check · netlab drill hint · netlab drill reset · sudo netlab drill stop",
        highlight=False,
    )


@drill_app.command()
def check(
    as_json: bool = typer.Option(False, "--json", help="solved, rows as netlab check --json, constraints"),
    timeout: float | None = typer.Option(
        None,
        "--timeout",
        min=0.5,
        max=120,
        help="seconds each client gets (default: the drills' own, netlab/drill/session.py CHECK_TIMEOUT)",
    ),
    html: Path | None = typer.Option(
        None, "--html", help="also write the report page (symptoms only, no answers) to this file"
    ),
) -> None:
    """Judge the running drill with real clients: ✓/✗ per row and constraint; exit 0 when solved."""
    from netlab.drill.labs import require_root
    from netlab.drill.session import run_check

    require_root()
    if html is not None:
        check_html_target(html)  # before the check: a page that cannot be written is bad input
    variant, result, seconds = run_check() if timeout is None else run_check(timeout)
    if html is not None:
        from netlab.drill.page import judgement_page

        try:
            html.write_text(judgement_page(variant, result))
        except OSError as exc:
            raise InputError(f"cannot write {html}: {exc.strerror}", where="--html") from None
    if as_json:
        typer.echo(
            json.dumps(
                {"drill": variant.drill.id, "seed": variant.seed, "seconds": seconds, **result.to_json()},
                indent=1,
            )
        )
        raise typer.Exit(0 if result.solved else 1)
    for r in result.rows:
        mark = "[green]✓[/]" if r.ok else "[red]✗[/]"
        console.print(f"{mark} {escape(r.text)}", highlight=False, soft_wrap=True)
        if not r.ok:
            console.print(f"    {escape(r.sentence or r.cause or '')}", highlight=False, soft_wrap=True)
            if r.client_error and r.client_error not in (r.sentence or ""):
                console.print(f"    [dim]said: {escape(r.client_error)}[/]", highlight=False, soft_wrap=True)
    for c in result.constraints:
        mark = "[green]✓[/]" if c.ok else "[red]✗[/]"
        console.print(
            f"{mark} {escape(c.says)}" + (f": {escape(c.why)}" if c.why else ""),
            highlight=False,
            soft_wrap=True,
        )
    if result.solved:
        console.print(f"\n[bold green]solved[/] in {seconds:.0f} s.", highlight=False)
        console.print(escape(variant.explain.strip()), highlight=False, soft_wrap=True)
        console.print("end it with: sudo netlab drill stop", highlight=False)
        return
    bad = sum(not r.ok for r in result.rows) + sum(not c.ok for c in result.constraints)
    console.print(f"\n{bad} thing(s) still wrong. netlab drill hint gives a hint.", highlight=False)
    raise typer.Exit(1)


@drill_app.command()
def hint(level: int | None = typer.Option(None, "--level", help="repeat a level you already saw")) -> None:
    """The next hint: 1 where to look, 2 which rule, 3 what to change (each use is recorded)."""
    from netlab.drill.session import hint as next_hint

    variant, lvl, text = next_hint(level)
    names = {1: "where to look", 2: "which rule", 3: "what to change"}
    console.print(
        f"[bold]hint {lvl}/3 ({names[lvl]}):[/] {escape(text.strip())}", highlight=False, soft_wrap=True
    )


@drill_app.command()
def solution(
    apply: bool = typer.Option(False, "--apply", help="make the change (and restart what it touches)"),
) -> None:
    """The fix as a diff, and why it works."""
    from netlab.drill.session import show_solution

    if apply:
        from netlab.drill.labs import require_root

        require_root()
    variant, text, restarts = show_solution(apply)
    typer.echo(text.rstrip())
    console.print(
        f"\n[bold]why:[/] {escape(variant.solution['why'].strip())}", highlight=False, soft_wrap=True
    )
    for node, b in restarts:
        ok = b["state"] == "started"
        console.print(
            f"  {'[green]✓[/]' if ok else '[red]✗[/]'} broker in {node} restarted"
            + ("" if ok else f": {escape(b['error'] or b['state'])}"),
            highlight=False,
            soft_wrap=True,
        )
    if apply:
        console.print("applied; judge it with: sudo netlab drill check", highlight=False)


@drill_app.command("apply")
def apply_cmd() -> None:
    """Rebuild the drill's lab from its edited topology file (in the lab directory)."""
    from netlab.drill.labs import require_root
    from netlab.drill.session import apply_edited

    require_root()
    variant, changed, brokers = apply_edited()
    if not changed:
        console.print(f"the topology of {variant.lab} is unchanged; nothing to apply", highlight=False)
        return
    console.print(f"lab {variant.lab} rebuilt from its edited topology", highlight=False)
    _brokers(brokers)


@drill_app.command()
def reset() -> None:
    """Back to the broken start (same seed): the lab is rebuilt, your edits are dropped."""
    from netlab.drill.labs import require_root
    from netlab.drill.session import reset as reset_drill

    require_root()
    variant, brokers = reset_drill()
    console.print(f"drill {variant.drill.id} (seed {variant.seed}) is back at its start", highlight=False)
    _brokers(brokers)


@drill_app.command()
def stop() -> None:
    """End the running drill: its lab is removed; your progress is kept."""
    from netlab.drill.labs import require_root
    from netlab.drill.session import stop as stop_drill

    require_root()
    drill_id, existed = stop_drill()
    console.print(
        f"drill {drill_id} stopped" + ("; its lab was removed" if existed else " (its lab was already gone)"),
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(drill_app, name="drill")
