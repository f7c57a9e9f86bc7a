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
import selectors
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from netlab.errors import InputError

from .results import CONSUME, PRODUCE

CLIENTS = ("kcat", "confluent-kafka", "kafka-python", "aiokafka")
DEFAULT_CLIENT = "kcat"
GRACE_S = 5.0  # on top of the client's own timeout before the process group is killed
MAX_LOG_LINES = 50
MAX_OUTPUT = 256 * 1024  # bytes kept of each stream of a client run (a run prints a few kB)
POLL_S = 0.05  # how often a running client's row is asked whether it is decided
# how client_driver streams its lines on stderr while it runs (its JSON answer comes at the end)
LOG_MARK = "netlab-client-log: "
STAGE_MARK = "netlab-client-stage: "

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


def says_why(text: str | None) -> bool:
    """True when `text` is one of the telling failures (_ERROR_PATTERNS), not a bare timeout
    such as librdkafka's "Message timed out" that a client gives before it got to the cause."""
    return bool(text) and any(p.search(text or "") for p in _ERROR_PATTERNS)


def pick_client_error(lines: Sequence[str]) -> str | None:
    """The most telling line of a client's output (see _ERROR_PATTERNS), else its first line."""
    for pattern in _ERROR_PATTERNS:
        for line in lines:
            m = pattern.search(line)
            if m:
                return m.group(1).strip()
    return lines[0] if lines else None


@dataclass
class _Ran:
    rc: int | None  # None when killed
    out: str
    err: str
    timed_out: bool = False
    stopped: bool = False  # killed by `stop` (its row was decided), not by the deadline


def _run(
    argv: list[str], stdin: str | None, deadline_s: float, stop: Callable[[str], bool] | None = None
) -> _Ran:
    """Run in a new session, reading its output as it comes (each stream bounded by MAX_OUTPUT).
    On the deadline, or as soon as `stop(stderr so far)` is true, kill that process group (ours,
    by its pid)."""
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    if proc.stdin is not None:
        try:
            with proc.stdin:  # one short line: fits the pipe, never blocks
                proc.stdin.write((stdin or "").encode())
        except BrokenPipeError:  # it ended before reading (nsenter into a stopped container)
            pass
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    bufs = {out_fd: bytearray(), err_fd: bytearray()}
    ran = _Ran(None, "", "")
    end = time.monotonic() + deadline_s
    try:
        with selectors.DefaultSelector() as sel:
            for fd in bufs:
                sel.register(fd, selectors.EVENT_READ)
            while sel.get_map():
                left = end - time.monotonic()
                if left <= 0:
                    ran.timed_out = True
                    break
                for key, _ in sel.select(min(left, POLL_S)):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        sel.unregister(key.fd)
                    buf = bufs[key.fd]
                    buf += chunk[: MAX_OUTPUT - len(buf)]
                # only while it runs: a client that has closed its output has said all it will
                if sel.get_map() and stop is not None and stop(bufs[err_fd].decode(errors="replace")):
                    ran.stopped = True
                    break
        if not (ran.timed_out or ran.stopped):
            try:  # both streams closed: it is ending (or closed them and goes on: the deadline holds)
                proc.wait(max(end - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                ran.timed_out = True
    finally:  # whatever happened here (a `stop` that raised included), nothing of it outlives us
        if ran.timed_out or ran.stopped or proc.poll() is None:  # the group: children too
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        rc = proc.wait(5)
        proc.stdout.close()
        proc.stderr.close()
    ran.rc = None if ran.timed_out or ran.stopped else rc
    ran.out, ran.err = (bufs[fd].decode(errors="replace") for fd in (out_fd, err_fd))
    return ran


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


def _stopper(decided: Callable[[], bool] | None, lines_of: Callable[[str], list[str]]):
    """`_run`'s stop: the row is decided (its probe failed) and the client has said why."""
    if decided is None:
        return None
    return lambda err: decided() and says_why(pick_client_error(lines_of(err)))


def _stopped_why(stage: str) -> str:
    return f"stopped at {stage} once it had said why: netlab's probe had already failed this row"


def run_kcat(
    bootstrap: str,
    topic: str,
    value: str,
    timeout: float,
    prefix: Sequence[str],
    decided: Callable[[], bool] | None = None,
) -> ClientResult:
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
        ran = _run(list(prefix) + argv, stdin, timeout / 2 + GRACE_S, _stopper(decided, _kcat_lines))
        result.log = _dedupe(result.log + _kcat_lines(ran.err))
        failed = ran.rc != 0 or (stage == CONSUME and value not in ran.out.splitlines())
        if failed:
            result.stage, result.timed_out = stage, ran.timed_out
            result.error = (
                _stopped_why(stage)
                if ran.stopped
                else f"killed after {timeout / 2 + GRACE_S:g}s"
                if ran.timed_out
                else f"kcat exited {ran.rc}"
                if ran.rc
                else "the record was not read back"
            )
            result.client_error = pick_client_error(result.log)
            break
    else:
        result.ok = True
    result.elapsed_ms = round((time.monotonic() - t0) * 1000, 1)
    return result


def _driver_lines(err: str) -> list[str]:
    """The client's own lines client_driver streamed on stderr (LOG_MARK), in order."""
    return _dedupe([line.removeprefix(LOG_MARK) for line in err.splitlines() if line.startswith(LOG_MARK)])


def run_python_client(
    client: str,
    bootstrap: str,
    topic: str,
    value: str,
    timeout: float,
    prefix: Sequence[str],
    python: str,
    decided: Callable[[], bool] | None = None,
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
    ran = _run(argv, None, timeout + GRACE_S, _stopper(decided, _driver_lines))
    elapsed = round((time.monotonic() - t0) * 1000, 1)
    if ran.stopped:
        log = _driver_lines(ran.err)
        stage = CONSUME if f"{STAGE_MARK}{CONSUME}" in ran.err.splitlines() else PRODUCE
        return ClientResult(
            client,
            bootstrap,
            topic,
            False,
            stage,
            pick_client_error(log),
            _stopped_why(stage),
            elapsed,
            False,
            log,
        )
    answer = None
    for line in reversed(ran.out.splitlines()):
        if line.startswith("{"):
            try:
                answer = json.loads(line)
                break
            except ValueError:
                continue
    if answer is None:
        other = [line for line in ran.err.strip().splitlines() if not line.startswith((LOG_MARK, STAGE_MARK))]
        tail = _dedupe(_driver_lines(ran.err) + other[-5:])
        why = (
            f"killed after {timeout + GRACE_S:g}s"
            if ran.timed_out
            else f"the driver exited {ran.rc} without an answer"
        )
        return ClientResult(
            client,
            bootstrap,
            topic,
            False,
            PRODUCE,
            pick_client_error(tail),
            why,
            elapsed,
            ran.timed_out,
            tail,
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
    decided: Callable[[], bool] | None = None,
) -> ClientResult:
    """Produce one record to a fresh topic and read it back. `prefix` starts the client inside a
    node, e.g. ["ip", "netns", "exec", "netlab-lab-host"]. Never takes longer than about
    timeout + 2 * GRACE_S seconds. `decided`, asked while the client runs: true once the row
    fails whatever the client does (netlab's probe failed); the client is then stopped as soon
    as it has said why in its own words (`says_why`) instead of retrying until its timeout."""
    if client not in CLIENTS:
        raise InputError(f"unknown client {client!r}; valid: {', '.join(CLIENTS)}", where="client")
    if not 0 < timeout <= 600:
        raise InputError(f"timeout must be in (0, 600] seconds, got {timeout}", where="timeout")
    tag = uuid.uuid4().hex[:12]
    topic = topic or f"netlab-check-{client}-{tag}"
    value = f"netlab-{tag}"
    if client == "kcat":
        return run_kcat(bootstrap, topic, value, timeout, prefix, decided)
    return run_python_client(
        client, bootstrap, topic, value, timeout, prefix, python or sys.executable, decided
    )
