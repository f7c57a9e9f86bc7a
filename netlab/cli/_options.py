"""Arguments and options the verbs share, so each means one thing everywhere.

- `--json` (json_option): machine-readable output on stdout, for every verb that reads something.
- LAB (lab_argument): a running lab's name; NODE (node_argument): one of its nodes.
- FILE (topology_argument): a topology file; the verbs that read one default to the default lab
  (topologies/default.yaml): up, validate, graph, predict.
- `--process NAME` (process_option): one process of a node (default: its broker).

Short flags have one meaning across verbs: `-f` is `--follow` (as tail -f / docker logs -f);
`graph --format` and `capture --filter` have no short form. Capture's own short flags
(-n -w -c -d -k -p) follow tcpdump where tcpdump has one.
"""

from __future__ import annotations

from pathlib import Path

import typer

JSON_HELP = "machine-readable output"


def json_option(help: str = JSON_HELP) -> bool:
    return typer.Option(False, "--json", help=help)


def lab_argument(help: str = "a running lab") -> str:
    return typer.Argument(..., help=help)


def node_argument(help: str = "the node") -> str:
    return typer.Argument(..., help=help)


def topology_argument(
    help: str = "topology file (default: the default lab, topologies/default.yaml)",
) -> Path | None:
    return typer.Argument(None, help=help)


def process_option(help: str = "which process (default: the node's broker)") -> str | None:
    return typer.Option(None, "--process", help=help)


def follow_option(help: str = "keep printing new lines (Ctrl-C to stop)") -> bool:
    return typer.Option(False, "-f", "--follow", help=help)


def topology_file(file: Path | None) -> Path:
    """The FILE a verb was given, or the default lab's."""
    # imported here like the verbs' own imports: `netlab` loads every verb module at start
    from netlab.topology import DEFAULT_TOPOLOGY

    return file or DEFAULT_TOPOLOGY
