"""Running graphviz's `dot` (Debian package graphviz, installed by scripts/install.sh): bounded in
time and in output (it writes to files the kernel caps at MAX_DOT_OUTPUT bytes, RLIMIT_FSIZE, so a
runaway picture never fills memory), its own message on failure."""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from netlab.errors import NetlabError

DOT_TIMEOUT_S = 20.0
MAX_DOT_OUTPUT = 32 * 1024 * 1024
MAX_MESSAGE = 2000  # of dot's stderr, in an error


def dot_binary() -> str:
    path = shutil.which("dot")
    if path is None:
        raise NetlabError(
            "graphviz's dot is not installed (scripts/install.sh installs the graphviz package)"
        )
    return path


def _cap_file_size() -> None:  # in the child, before exec: dot's files stop at MAX_DOT_OUTPUT
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_DOT_OUTPUT, MAX_DOT_OUTPUT))


def run_dot(source: str, fmt: str, timeout: float = DOT_TIMEOUT_S) -> bytes:
    """`dot -T<fmt>` on `source`, bounded in time and size; NetlabError with dot's own message."""
    dot = dot_binary()
    with tempfile.TemporaryDirectory(prefix="netlab-dot-") as tmp:
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        with open(err, "wb") as err_fh:
            try:
                cp = subprocess.run(
                    [dot, f"-T{fmt}", f"-o{out}"],
                    input=source.encode(),
                    stdout=subprocess.DEVNULL,
                    stderr=err_fh,
                    timeout=timeout,
                    preexec_fn=_cap_file_size,  # noqa: PLW1509 - one setrlimit, before exec
                )
            except subprocess.TimeoutExpired:
                raise NetlabError(f"graphviz dot did not finish in {timeout:g} s") from None
        if cp.returncode == -signal.SIGXFSZ:
            raise NetlabError(f"graphviz dot wrote more than {MAX_DOT_OUTPUT} bytes")
        if cp.returncode != 0:
            with open(err, "rb") as fh:
                message = fh.read(MAX_MESSAGE).decode(errors="replace").strip()
            raise NetlabError(f"graphviz dot failed: {message or f'exit status {cp.returncode}'}")
        return out.read_bytes()
