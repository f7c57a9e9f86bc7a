"""`netlab exec <lab> <node> -- <command...>`: run a command inside a node; its exit code is ours."""

from __future__ import annotations

import typer

from netlab.cli._options import lab_argument, node_argument
from netlab.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command("exec", context_settings={"ignore_unknown_options": True})
    def exec_(
        lab: str = lab_argument("the lab"),
        node: str = node_argument("the node to run in"),
        command: list[str] = typer.Argument(None, help="the command, after --"),
    ) -> None:
        """Run a command in a node (its /etc/hosts, its hostname, its network), like `ip netns exec`."""
        from netlab.kernel.launcher import exec_in_node, node_env
        from netlab.lab.apply import require_root
        from netlab.lab.state import load_lab

        if not command:
            raise InputError(
                "give the command after --, e.g. netlab exec default broker -- ip addr", where="netlab exec"
            )
        require_root()
        state = load_lab(lab)
        netns = state.netns(node)
        exec_in_node(
            netns, node, command, node_env(node, {"NETLAB_LAB": lab, "NETLAB_NODE": node}, inherit=True)
        )
