"""`netlab status [<lab>] [--json]`: what a lab really is now (read from the kernel and /proc)."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table

from netlab.cli._render import console
from netlab.errors import NotRootError


def _list(as_json: bool) -> None:
    from netlab.lab import list_labs, load_lab
    from netlab.resources import Process

    rows = []
    for name in list_labs():
        try:
            state = load_lab(name)
        except NotRootError:
            raise
        except Exception:  # a lab dir of an `up` killed before plan.json was written
            rows.append({"lab": name, "nodes": None, "processes_running": None, "source": None})
            continue
        steps = state.plan.of_kind(Process)
        running = sum(1 for s in steps if state.process_state(s).state == "running")
        rows.append(
            {
                "lab": name,
                "nodes": len(state.nodes),
                "processes_running": running,
                "processes": len(steps),
                "source": state.plan.source,
            }
        )
    if as_json:
        typer.echo(json.dumps({"labs": rows}))
        return
    if not rows:
        console.print("no lab is up")
        return
    table = Table("lab", "nodes", "processes running", "source")
    for r in rows:
        table.add_row(
            r["lab"], str(r["nodes"]), f"{r['processes_running']}/{r.get('processes')}", str(r["source"])
        )
    console.print(table)


def _show(lab: str, as_json: bool) -> None:
    from netlab.lab import lab_status

    st = lab_status(lab)
    if as_json:
        typer.echo(json.dumps(st))
        return
    console.print(
        f"[bold]lab {st['lab']}[/] from {st['source']} (state in {st['state_dir']})", highlight=False
    )
    nodes = Table("node", "interface", "kind", "state", "addresses", "network / master", title="nodes")
    for n in st["nodes"]:
        if not n["exists"]:
            nodes.add_row(n["node"], "-", "-", "[red]namespace missing[/]", "", "")
            continue
        if n.get("note"):
            nodes.add_row(n["node"], "?", "", "", n["note"], "")
            continue
        for i, iface in enumerate(x for x in n["interfaces"] if x["name"] != "lo"):
            where = iface["network"] or ""
            if iface["master"]:
                where = f"{where} (port of {iface['master']})".strip()
            addrs = ", ".join(a for a in iface["addresses"] if not a.startswith("fe80:"))
            nodes.add_row(
                n["node"] if i == 0 else "", iface["name"], iface["kind"], iface["state"], addrs, where
            )
    console.print(nodes)
    if st["bridges"]:
        bridges = Table("node", "bridge", "network", "addresses", "ports", title="bridges")
        for b in st["bridges"]:
            bridges.add_row(
                b["node"],
                b["bridge"],
                str(b["network"]),
                ", ".join(a for a in b["addresses"] if not a.startswith("fe80:")),
                " ".join(b["ports"]),
            )
        console.print(bridges)
    if st.get("brokers"):
        brokers = Table("node", "state", "listeners", "advertised.listeners", title="brokers")
        for b in st["brokers"]:
            ok = b["state"] == "running"
            state = "[green]running[/]" if ok else f"[red]{b['state']}[/]"
            listeners = (b["listeners"] or "").replace(",", ", ")
            if b["error"]:
                listeners += f"\n[red]{escape(b['error'])}[/]"
            brokers.add_row(b["node"], state, listeners, (b["advertised.listeners"] or "").replace(",", ", "))
        console.print(brokers)
    if st["processes"]:
        procs = Table("node", "process", "role", "state", "pid", "log", title="processes")
        for p in st["processes"]:
            state = p["state"] + (f" (code {p['exit_code']})" if p["exit_code"] is not None else "")
            color = "green" if p["state"] == "running" else "red"
            procs.add_row(
                p["node"], p["name"], p["role"], f"[{color}]{state}[/]", str(p["pid"] or ""), p["log"]
            )
        console.print(procs)


def register(app: typer.Typer) -> None:
    @app.command()
    def status(
        lab: str | None = typer.Argument(None, help="a lab; without it, list the labs that are up"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    ) -> None:
        """Nodes, interfaces, addresses, networks, bridges and processes of a lab (or list labs)."""
        if lab is None:
            _list(as_json)
        else:
            _show(lab, as_json)
