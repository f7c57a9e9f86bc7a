"""Start a real `python -m broker` process for tests and stop it by its pid; read the metadata
log it wrote."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from broker import dump_log

PYTHON = sys.executable


def free_port() -> int:
    """A port that binds now on every address, below the kernel's ephemeral range (so the many
    client connections of tests running in parallel cannot take it between now and the broker's
    bind). The wildcard bind (never listened on) fails if any 127.0.0.x holds the port: the
    cluster helpers bind 127.0.0.2-6 too, which a check on 127.0.0.1 alone missed (CI: a voter's
    "failed to bind to 127.0.0.2:30805: Address already in use")."""
    import random

    for _ in range(100):
        port = random.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000-31999 after 100 tries")


@dataclass
class BrokerProc:
    proc: subprocess.Popen
    log_path: Path
    log_dir: Path
    port: int
    overrides: list[str] = field(default_factory=list)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def start_broker(
    tmp: Path,
    overrides: list[str] | None = None,
    *,
    port: int | None = None,
    wait_for: str = "started",
    prefix: list[str] | None = None,
    timeout: float = 15,
    env: dict | None = None,
    log_dir: Path | None = None,
    properties: Path | None = None,
    use_env: bool = False,
) -> BrokerProc:
    """Start a broker (with `--no-env` unless use_env), node.id=1, one PLAINTEXT listener on 127.0.0.1:<port>
    (unless overridden) and wait until its log says `wait_for` (or it exits)."""
    port = port or free_port()
    log_dir = log_dir or tmp / "kafka-logs"
    given = {o.split("=", 1)[0] for o in overrides or []}
    args = [] if given & {"node.id", "broker.id"} else ["node.id=1"]
    args += [f"listeners=PLAINTEXT://127.0.0.1:{port}", f"log.dirs={log_dir}"] + list(overrides or [])
    cmd = list(prefix or []) + [PYTHON, "-m", "broker"] + ([str(properties)] if properties else [])
    if not use_env:
        cmd.append("--no-env")
    for a in args:
        cmd += ["--override", a]
    log_path = tmp / f"broker-{port}-{time.monotonic_ns()}.log"
    out = open(log_path, "w")
    proc = subprocess.Popen(
        cmd,
        stdout=out,
        stderr=subprocess.STDOUT,
        env=env or dict(os.environ),
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    out.close()
    bp = BrokerProc(proc, log_path, log_dir, port, args)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = bp.output()
        if wait_for in text or proc.poll() is not None:
            break
        time.sleep(0.05)
    return bp


def run_broker_to_exit(tmp: Path, overrides: list[str], timeout: float = 20) -> tuple[int, str]:
    """Run a broker that is expected to exit on its own (bad config, bind failure)."""
    bp = start_broker(tmp, overrides, wait_for="\0never\0", timeout=0)
    try:
        bp.proc.wait(timeout)
    finally:
        if bp.proc.poll() is None:
            bp.stop()
    return bp.proc.returncode, bp.output()


def metadata_log_records(metadata_dir: Path) -> list[dict]:
    """Every record of a `__cluster_metadata-0` directory as our kafka-dump-log
    --cluster-metadata-decoder prints it ({"type": ..., "version": ..., "data": {...}})."""
    out = io.StringIO()
    files = ",".join(str(p) for p in sorted(metadata_dir.glob("*.log")))
    assert dump_log.main(["--files", files, "--cluster-metadata-decoder", "--print-data-log"], out=out) == 0
    payloads = [
        line.split(" payload: ", 1)[1] for line in out.getvalue().splitlines() if " payload: {" in line
    ]
    return [json.loads(p) for p in payloads]
