"""Running graphviz's `dot` (Debian package graphviz, installed by scripts/install.sh): bounded in
time and output, its own message on failure."""

from __future__ import annotations

import shutil
import subprocess

from netlab.errors import NetlabError

DOT_TIMEOUT_S = 20.0
MAX_DOT_OUTPUT = 32 * 1024 * 1024


def dot_binary() -> str:
    path = shutil.which("dot")
    if path is None:
        raise NetlabError(
            "graphviz's dot is not installed (scripts/install.sh installs the graphviz package)"
        )
    return path


def run_dot(source: str, fmt: str, timeout: float = DOT_TIMEOUT_S) -> bytes:
    """`dot -T<fmt>` on `source`, bounded in time; NetlabError with dot's own message on failure."""
    try:
        cp = subprocess.run(
            [dot_binary(), f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise NetlabError(f"graphviz dot did not finish in {timeout:g} s") from None
    if cp.returncode != 0:
        raise NetlabError(f"graphviz dot failed: {cp.stderr.decode(errors='replace').strip()}")
    if len(cp.stdout) > MAX_DOT_OUTPUT:
        raise NetlabError(f"graphviz dot wrote more than {MAX_DOT_OUTPUT} bytes")
    return cp.stdout
