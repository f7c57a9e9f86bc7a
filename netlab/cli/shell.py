"""`netlab shell <lab> <node>`: an interactive shell inside a node, prompt showing lab/node."""

from __future__ import annotations

import os

import typer

from netlab.cli._options import lab_argument, node_argument


def register(app: typer.Typer) -> None:
    @app.command()
    def shell(
        lab: str = lab_argument("the lab"),
        node: str = node_argument(),
    ) -> None:
        """Open $SHELL inside a node (like `docker exec -it <container> sh`)."""
        from netlab.kernel.launcher import exec_in_node, node_env
        from netlab.lab.apply import require_root
        from netlab.lab.state import load_lab

        require_root()
        state = load_lab(lab)
        netns = state.netns(node)
        prompt = f"[{lab}/{node}] \\w\\$ "
        sh = os.environ.get("SHELL") or "/bin/bash"
        env = node_env(node, {"NETLAB_LAB": lab, "NETLAB_NODE": node, "PS1": prompt}, inherit=True)
        if os.path.basename(sh) == "bash":
            # bash's rc files usually set PS1; source them, then ours wins.
            rc = state.paths.etc / f"shellrc.{node}"
            rc.write_text(f"[ -f ~/.bashrc ] && . ~/.bashrc\nPS1='{prompt}'\n")
            argv = [sh, "--rcfile", str(rc), "-i"]
        else:
            argv = [sh, "-i"]
        exec_in_node(netns, node, argv, env)
