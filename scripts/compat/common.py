"""Shared by the per-suite scripts: obtain a client's test suite from its PyPI sdist at run time,
or check the checkout given with --source (never vendored), start netlab's broker (one node, or a
3-broker KRaft cluster on loopback), run the suite with the environment it documents for an
external cluster, and print one line per test plus `N passed, N failed, N skipped`
(known-unpassable tests listed apart, never as passed)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from known import reason_for

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
CACHE = Path(os.environ.get("NETLAB_COMPAT_CACHE", Path(tempfile.gettempdir()) / "netlab-compat"))
# set by the test suite's quick run (tests/compat/): what is not in the cache is an error, never a
# download (scripts/install.sh fetched it)
OFFLINE = os.environ.get("NETLAB_COMPAT_OFFLINE") == "1"


def _refuse_download(what: str) -> None:
    if OFFLINE:
        raise SystemExit(
            f"{what} is not in {CACHE} and NETLAB_COMPAT_OFFLINE=1 forbids downloading it"
            " (scripts/install.sh fetches what the suite's quick run needs)"
        )


def sdist(package: str, version: str) -> Path:
    """The package's source distribution, downloaded by pip into the cache, extracted there."""
    CACHE.mkdir(parents=True, exist_ok=True)
    stem = f"{package.replace('-', '_')}-{version}"
    out = CACHE / stem
    if out.is_dir():
        return out
    archives = list(CACHE.glob(f"{stem}.tar.gz")) + list(CACHE.glob(f"{package}-{version}.tar.gz"))
    if not archives:
        _refuse_download(f"the {package} {version} sdist")
        # --no-binary names the package only: with :all: pip would also compile its build
        # requirements (Cython) from source to prepare the metadata, for many minutes
        cmd = [PYTHON, "-m", "pip", "download", "--no-deps", "--no-binary", package, f"{package}=={version}"]
        subprocess.run(cmd + ["-d", str(CACHE)], check=True, timeout=900, cwd=CACHE)
        archives = list(CACHE.glob(f"{stem}.tar.gz")) + list(CACHE.glob(f"{package}-{version}.tar.gz"))
    safe_extract(archives[0], CACHE)
    found = [p for p in CACHE.iterdir() if p.is_dir() and p.name.lower() == archives[0].name[:-7].lower()]
    return found[0] if found else out


def safe_extract(archive: Path, dest: Path) -> None:
    """Unpack a source archive, refusing absolute paths, `..` and links (a registry's file is
    still input: nothing may land outside `dest`)."""
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        bad = [
            m.name
            for m in members
            if m.name.startswith("/") or ".." in Path(m.name).parts or m.issym() or m.islnk()
        ]
        if bad:
            raise SystemExit(f"{archive}: refusing to extract unsafe paths {bad[:3]}")
        tar.extractall(dest, members=members)


def test_deps(packages: list[str], target: Path | None = None, with_deps: bool = False) -> Path:
    """The suite's own test requirements (pytest plugins), installed by pip into the cache (not
    into the project's environment); returned for PYTHONPATH. `with_deps`: also what they need
    that is missing there (into `target`, its own directory, so it shadows nothing of another suite)."""
    target = target or CACHE / "deps"
    stems = [p.split("=")[0].split("<")[0].split(">")[0] for p in packages]
    missing = [
        p
        for p, stem in zip(packages, stems, strict=True)
        if not list(target.glob(stem.replace("-", "_") + "*")) and not list(target.glob(stem.lower() + "*"))
    ]
    if missing:
        _refuse_download(f"the test requirements {missing}")
        cmd = [PYTHON, "-m", "pip", "install", "--quiet", "--target", str(target)]
        subprocess.run(cmd + ([] if with_deps else ["--no-deps"]) + missing, check=True, timeout=900)
    return target


PLUGINS = Path(__file__).resolve().parent / "plugins"


def suite_source(arg: str, must_have: list[str], how: str) -> Path:
    """The checkout of a client's test suite given with --source, checked for the files the run
    needs; bad input exits 2 saying what is missing and how to get a checkout (`how`)."""
    path = Path(arg).resolve()
    lacking = [m for m in must_have if not (path / m).exists()]
    if not path.is_dir() or lacking:
        what = "is not a directory" if not path.is_dir() else f"lacks {', '.join(lacking)}"
        print(f"--source {arg}: {what}; expected a checkout of the suite. {how}", file=sys.stderr)
        raise SystemExit(2)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Brokers:
    """netlab broker processes on loopback; `bootstrap` for the suite; stopped by pid."""

    procs: list[subprocess.Popen] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    workdir: Path | None = None
    keep: bool = False  # keep workdir (the brokers' logs and data) after stop, to read them

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        if self.workdir is not None and self.keep:
            print(f"broker logs and data kept in {self.workdir}")
        elif self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


COMMON = [
    "auto.create.topics.enable=true",
    "group.initial.rebalance.delay.ms=0",
    "num.partitions=1",
]


def start_brokers(
    count: int, extra: list[str] | None = None, first_id: int = 1, root: Path = ROOT
) -> Brokers:
    """One broker (count=1), or a KRaft cluster of `count` combined broker+controller nodes, every
    one a voter: the shape of the apache/kafka image's cluster example and of Bitnami's and
    conduktor's KRaft clusters (docs/compat.md, "The cluster"). Node ids from `first_id` (a suite
    may assume its broker is node 0). `root`: the tree whose broker runs (a benchmark's peer)."""
    b = Brokers(workdir=Path(tempfile.mkdtemp(prefix="netlab-compat-")))
    b.ports = [free_port() for _ in range(count)]
    ids = list(range(first_id, first_id + count))
    controllers = {i: free_port() for i in ids} if count > 1 else {}
    voters = ",".join(f"{i}@127.0.0.1:{port}" for i, port in controllers.items())
    for i, port in zip(ids, b.ports, strict=True):
        args = [f"node.id={i}", f"log.dirs={b.workdir / f'logs-{i}'}", *COMMON, *(extra or [])]
        rf = min(count, 3)
        args += [f"offsets.topic.replication.factor={rf}", f"default.replication.factor={rf}"]
        if count > 1:
            args += [
                "process.roles=broker,controller",
                # advertised.listeners left unset: Kafka advertises the listeners without the
                # controller's (KafkaConfig.effectiveAdvertisedListeners), and a suite may check
                # that it is a DEFAULT_CONFIG (kafka-python's describe_configs test)
                f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controllers[i]}",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                f"controller.quorum.voters={voters}",
                "cluster.id=netlabCompatClust0000A",
            ]
        else:
            args.append(f"listeners=PLAINTEXT://127.0.0.1:{port}")
        cmd = [PYTHON, "-m", "broker", "--no-env"] + [x for a in args for x in ("--override", a)]
        log = open(b.workdir / f"broker-{i}.log", "w")
        env = dict(os.environ, PYTHONPATH=str(root))
        b.procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=root, env=env))
        log.close()
    # all started before any is awaited: a voter starts serving once a majority has elected a leader
    try:
        for i, port, proc in zip(ids, b.ports, b.procs, strict=True):
            _wait_listening(port, proc, b.workdir / f"broker-{i}.log")
            if count > 1:  # registered, caught up and unfenced (one broker alone is all that at once)
                _wait_log("Kafka Server started", proc, b.workdir / f"broker-{i}.log")
    except BaseException:  # one did not start: stop the others too (by pid), then say which
        b.stop()
        raise
    return b


def _wait_listening(port: int, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"broker exited:\n{log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"broker did not listen on {port} within {timeout}s:\n{log.read_text()}")


def _wait_log(text: str, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"broker exited:\n{log.read_text()}")
        if text in log.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise SystemExit(f"broker did not log {text!r} within {timeout}s:\n{log.read_text()}")


@dataclass
class Result:
    test: str
    outcome: str  # passed / failed / skipped
    detail: str = ""


def junit_results(path: Path) -> list[Result]:
    out = []
    if not path.exists():
        return out
    for case in ET.parse(path).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            el = case.find("failure") if case.find("failure") is not None else case.find("error")
            out.append(
                Result(
                    name, "failed", (el.get("message") or "").splitlines()[0][:160] if el is not None else ""
                )
            )
        elif case.find("skipped") is not None:
            out.append(Result(name, "skipped", (case.find("skipped").get("message") or "")[:160]))
        else:
            out.append(Result(name, "passed"))
    return out


def report(suite: str, mode: str, results: list[Result]) -> int:
    """One line per test, the known-unpassable ones apart and loud, then the counts."""
    known, counted = [], []
    for r in results:
        why = reason_for(suite, r.test)
        (known if why else counted).append((r, why))
    for r, _ in counted:
        print(
            f"{r.outcome.upper():7} {r.test}"
            + (f"  -- {r.detail}" if r.detail and r.outcome != "passed" else "")
        )
    if known:
        print(f"\n!!! {len(known)} KNOWN-UNPASSABLE tests (scripts/compat/known.py), NOT counted as passed:")
        for r, why in known:
            surprise = "  (passed anyway)" if r.outcome == "passed" else ""
            print(f"KNOWN   {r.test}  -- {why}{surprise}")
    n = {o: sum(1 for r, _ in counted if r.outcome == o) for o in ("passed", "failed", "skipped")}
    name = suite.split("[")[0]
    print(
        f"\n{name} [{mode}]: {n['passed']} passed, {n['failed']} failed, {n['skipped']} skipped;"
        f" {len(known)} known-unpassable"
    )
    return 1 if n["failed"] else 0


def run_pytest(
    workdir: Path, targets: list[str], env: dict, junit: Path, timeout: float, extra: list[str] | None = None
) -> list[Result]:
    """pytest in the suite's own tree; its results, read from `junit`. Its output goes to
    <junit>.log, whose tail is shown when no result came out (a collection error names itself
    there)."""
    # -P: the working directory (the suite's checkout) is not put first on sys.path, so a checkout's
    # own package source cannot shadow the installed client under test
    cmd = [
        PYTHON,
        "-P",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        *(extra or []),
        *targets,
    ]
    log = junit.with_suffix(".log")
    with open(log, "w") as out:
        try:
            subprocess.run(cmd, cwd=workdir, env=env, timeout=timeout, stdout=out, stderr=subprocess.STDOUT)
        except subprocess.TimeoutExpired:
            print(f"!!! the suite ran past {timeout:.0f}s and was stopped; results so far only")
    results = junit_results(junit)
    if not results:
        print(f"!!! no test results; the end of {log}:")
        print("\n".join(log.read_text().splitlines()[-25:]))
    print(f"(pytest output: {log})")
    return results
