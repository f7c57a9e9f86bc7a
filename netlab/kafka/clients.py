"""Real-client runners: produce one record and consume it back with a real Kafka client.

Each run is a subprocess (kcat itself, or `python -m netlab.kafka.client_driver` for the Python
clients) so netlab can start it inside a node with an `ip netns exec` prefix, and so a client
that wedges is killed at the deadline instead of hanging the check. The client's own error text
is kept verbatim: `client_error` is the line users would paste into a search box.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from netlab.errors import InputError

from .results import CONSUME, PRODUCE

CLIENTS = ("kcat", "confluent-kafka", "kafka-python", "aiokafka")
DEFAULT_CLIENT = "kcat"
GRACE_S = 5.0  # on top of the client's own timeout before the process group is killed
MAX_LOG_LINES = 50

# The failure texts users search for, most specific first. The group is what `client_error`
# keeps: librdkafka's sentence without its "host:port/id: " prefix, kafka-python's and aiokafka's
# lines as printed.
_ERROR_PATTERNS = [
    re.compile(r"(Failed to resolve '[^']*': [^(]*\(after \d+ms in state [A-Z_]+\))"),
    re.compile(r"(Connect to \S+ failed: [^(]*\(after \d+ms in state [A-Z_]+\))"),
    re.compile(r"(DNS lookup failed for \S+?:\d+.*)"),
    re.compile(r"(KafkaConnectionError: \d+ E[A-Z]+)"),
    re.compile(r"(Unable connect to .*)"),
    re.compile(r"((?:Receive|Send) failed: .*?\(after \d+ms in state [A-Z_]+\))"),
    re.compile(r"(Connection to node -?\d+ \(.*\) could not be established\..*)"),
]
# librdkafka log lines: %3|1700000000.123|FAIL|rdkafka#producer-1| [thrd:...]: <message>
_RDKAFKA_LOG = re.compile(r"^%\d\|[\d.]+\|(\w+)\|[^|]*\| \[thrd:[^\]]*\]: (.*)$")


@dataclass
class ClientResult:
    client: str
    bootstrap: str
    topic: str
    ok: bool
    stage: str | None = None  # produce or consume when it failed
    client_error: str | None = None  # the client's own text, verbatim
    error: str | None = None  # how the run ended (exception text, exit status, timeout)
    elapsed_ms: float = 0.0
    timed_out: bool = False
    log: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def pick_client_error(lines: Sequence[str]) -> str | None:
    """The most telling line of a client's output (see _ERROR_PATTERNS), else its first line."""
    for pattern in _ERROR_PATTERNS:
        for line in lines:
            m = pattern.search(line)
            if m:
                return m.group(1).strip()
    return lines[0] if lines else None


def _run(argv: list[str], stdin: str | None, deadline_s: float) -> tuple[int | None, str, str, bool]:
    """Run in a new session; on the deadline kill that process group (ours, by its pid)."""
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(stdin, timeout=deadline_s)
        return proc.returncode, out, err, False
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate(timeout=5)
        return None, out, err, True


def _dedupe(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line and line not in out and len(out) < MAX_LOG_LINES:
            out.append(line)
    return out


def _kcat_lines(stderr: str) -> list[str]:
    lines = []
    for raw in stderr.splitlines():
        m = _RDKAFKA_LOG.match(raw)
        lines.append(m.group(2) if m else raw.removeprefix("% ").strip())
    return _dedupe(lines)


def run_kcat(bootstrap: str, topic: str, value: str, timeout: float, prefix: Sequence[str]) -> ClientResult:
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    if kcat is None:
        raise InputError("kcat is not installed (Debian package kcat)", where="client")
    half_ms = str(int(timeout * 500))
    common = [kcat, "-b", bootstrap, "-t", topic, "-X", f"socket.timeout.ms={half_ms}"]
    t0 = time.monotonic()
    result = ClientResult("kcat", bootstrap, topic, False)
    steps = [
        (PRODUCE, common + ["-P", "-X", f"message.timeout.ms={half_ms}"], value + "\n"),
        (
            CONSUME,
            common + ["-C", "-o", "beginning", "-c", "1", "-e", "-m", str(max(1, int(timeout / 2)))],
            None,
        ),
    ]
    for stage, argv, stdin in steps:
        rc, out, err, timed_out = _run(list(prefix) + argv, stdin, timeout / 2 + GRACE_S)
        result.log = _dedupe(result.log + _kcat_lines(err))
        failed = rc != 0 or (stage == CONSUME and value not in out.splitlines())
        if failed:
            result.stage, result.timed_out = stage, timed_out
            result.error = (
                f"killed after {timeout / 2 + GRACE_S:g}s"
                if timed_out
                else f"kcat exited {rc}"
                if rc
                else "the record was not read back"
            )
            result.client_error = pick_client_error(result.log)
            break
    else:
        result.ok = True
    result.elapsed_ms = round((time.monotonic() - t0) * 1000, 1)
    return result


def run_python_client(
    client: str, bootstrap: str, topic: str, value: str, timeout: float, prefix: Sequence[str], python: str
) -> ClientResult:
    argv = list(prefix) + [
        python,
        "-m",
        "netlab.kafka.client_driver",
        client,
        "--bootstrap",
        bootstrap,
        "--topic",
        topic,
        "--value",
        value,
        "--timeout",
        f"{timeout:g}",
    ]
    t0 = time.monotonic()
    rc, out, err, timed_out = _run(argv, None, timeout + GRACE_S)
    elapsed = round((time.monotonic() - t0) * 1000, 1)
    answer = None
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            try:
                answer = json.loads(line)
                break
            except ValueError:
                continue
    if answer is None:
        tail = _dedupe(err.strip().splitlines()[-5:])
        why = (
            f"killed after {timeout + GRACE_S:g}s"
            if timed_out
            else f"the driver exited {rc} without an answer"
        )
        return ClientResult(
            client, bootstrap, topic, False, PRODUCE, pick_client_error(tail), why, elapsed, timed_out, tail
        )
    log = _dedupe(list(answer.get("log") or []))
    ok = bool(answer.get("ok"))
    return ClientResult(
        client,
        bootstrap,
        topic,
        ok,
        None if ok else answer.get("stage"),
        None if ok else pick_client_error(log + [answer.get("error") or ""]),
        answer.get("error"),
        elapsed,
        False,
        log,
    )


def run_client(
    client: str,
    bootstrap: str,
    *,
    prefix: Sequence[str] = (),
    timeout: float = 10.0,
    topic: str | None = None,
    python: str | None = None,
) -> ClientResult:
    """Produce one record to a fresh topic and read it back. `prefix` starts the client inside a
    node, e.g. ["ip", "netns", "exec", "netlab-lab-host"]. Never takes longer than about
    timeout + 2 * GRACE_S seconds."""
    if client not in CLIENTS:
        raise InputError(f"unknown client {client!r}; valid: {', '.join(CLIENTS)}", where="client")
    if not 0 < timeout <= 600:
        raise InputError(f"timeout must be in (0, 600] seconds, got {timeout}", where="timeout")
    tag = uuid.uuid4().hex[:12]
    topic = topic or f"netlab-check-{client}-{tag}"
    value = f"netlab-{tag}"
    if client == "kcat":
        return run_kcat(bootstrap, topic, value, timeout, prefix)
    return run_python_client(client, bootstrap, topic, value, timeout, prefix, python or sys.executable)
