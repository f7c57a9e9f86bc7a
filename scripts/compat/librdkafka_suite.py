#!/usr/bin/env python3
"""librdkafka's own test suite (tests/ of Debian's librdkafka source) against netlab's broker.

    scripts/compat/librdkafka_suite.py [--cluster] [--scenario noautocreate] [--tests 0001,0012] [--skip 0041]

Fetches Debian bookworm's librdkafka source package at run time with a private deb-src list (the
system's apt configuration is never changed; scripts/compat/debian_source.py), installs its
Build-Depends that are missing (Debian binary packages), builds librdkafka and its `test-runner`
under the cache (never in the repo), starts one broker (or three with --cluster, the size of the
suite's own default trivup cluster) and runs the suite as its `make quick` does for an existing
cluster: `test-runner -Q -E` (quick mode, no socket emulation), with a test.conf naming our
broker and TEST_KAFKA_VERSION=3.7.0 (the release the broker is). KAFKA_PATH is not set: the tests
that shell out to kafka-topics.sh & co. fail or skip by name (scripts/compat/known.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import debian_source  # noqa: E402
from common import CACHE, Result, report, start_brokers  # noqa: E402

SUITE = "librdkafka"

# What the suite's trivup cluster gives Kafka (tests/scenarios/default.json: auto-create, 4
# partitions, replication factor min(brokers, 3)) and the ACL tests (0081) expect: an authorizer
# that allows everything without ACLs (StandardAuthorizer, since our broker is KRaft). trivup
# leaves group.initial.rebalance.delay.ms at Kafka's default 3000 (common.py sets 0): tests such as
# 0118 subscribe two consumers at once but poll only one of them, which works only when both join
# the group's first generation; with 0 the first consumer completes a generation alone and the
# second's JoinGroup rightly waits for it to rejoin, which it cannot do without being polled.
BROKER_PROPERTIES = [
    "num.partitions=4",
    "group.initial.rebalance.delay.ms=3000",
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "allow.everyone.if.no.acl.found=true",
]


def build(tree: Path) -> Path:
    """librdkafka (without downloads of mklove modules) and tests/test-runner, built once."""
    runner = tree / "tests" / "test-runner"
    if runner.exists():
        return runner
    steps = [
        (["./configure", "--no-download", "--disable-curl"], tree),
        (["make", "-j2", "libs"], tree),
        (["make", "-j2", "test-runner"], tree / "tests"),
    ]
    log = tree / "netlab-build.log"
    with open(log, "w") as out:
        for cmd, cwd in steps:
            print(f"building: {' '.join(cmd)} (in {cwd})", flush=True)
            done = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, timeout=1800)
            if done.returncode:
                print("\n".join(log.read_text().splitlines()[-30:]))
                raise SystemExit(f"build step failed: {' '.join(cmd)} (log {log})")
    return runner


def results_from(report_path: Path, log: Path) -> list[Result]:
    """The runner's JSON report (TEST_REPORT); when the run was stopped before writing it, the
    per-test verdict lines of its output."""
    out = []
    plain = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text(errors="replace"))
    # the runner's closing table: | name | STATE | duration | reason
    reasons = {
        m[0]: m[1].strip() for m in re.findall(r"^\| (\S+)\s+\|\s+\w+ \|\s+[\d.]+s \| (.*)$", plain, re.M)
    }
    if report_path.exists():
        tests = json.loads(report_path.read_text())["tests"]
        for name, t in tests.items():
            if name == "<MAIN>":  # the run as a whole, below
                continue
            # RUNNING / DNS ("did not start"): the runner stopped (a test's timeout aborts the run);
            # counted as failed, never as passed or skipped
            state = {"PASSED": "passed", "FAILED": "failed", "SKIPPED": "skipped"}.get(t["state"], "failed")
            detail = reasons.get(name) or {"DNS": "did not start: the run was aborted"}.get(
                t["state"], t["state"]
            )
            out.append(Result(name, state, "" if state == "passed" else detail[:200]))
        main = tests.get("<MAIN>", {})
        if main.get("state") not in (None, "PASSED"):
            print(f"!!! the test run as a whole: {main.get('state')} {main.get('extra', '')}")
        return out
    print(f"!!! no JSON report; verdicts read from {log}")
    for name, state in re.findall(r"=+ Test (\S+) (PASSED|FAILED) =+", plain):
        out.append(Result(name, state.lower()))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cluster", action="store_true", help="three brokers instead of one")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--tests", help="only these test numbers (the runner's TESTS), e.g. 0001,0012")
    ap.add_argument(
        "--scenario",
        default="default",
        choices=["default", "noautocreate"],
        help="the suite's tests/scenarios/: noautocreate runs the tests needing auto-create off",
    )
    ap.add_argument(
        "--skip", help="leave these test numbers out (the runner's TESTS_SKIP); say so with the numbers"
    )
    a = ap.parse_args()
    try:
        pool = debian_source.fetch("librdkafka")
    except debian_source.NotObtainable as exc:
        print(f"!!! {SUITE}: NOT RUN. {exc}")
        print(f"{SUITE}: 0 passed, 0 failed, 0 skipped; NOT RUN (source not obtainable)")
        return 3
    debian_source.install_missing(debian_source.build_depends(pool))
    tree = debian_source.unpack(pool, CACHE / "librdkafka")
    runner = build(tree)
    print(f"{SUITE} {debian_source.version(pool)} (Debian bookworm source), {runner}", flush=True)
    count = 3 if a.cluster else 1
    # the transaction coordinator's log needs as many brokers as its replication factor (Kafka's
    # default 3), so a single broker gets 1, as a one-broker Kafka must
    txn = [
        f"transaction.state.log.replication.factor={count}",
        f"transaction.state.log.min.isr={min(count, 2)}",
    ]
    # the runner runs only the tests of TEST_SCENARIO; noautocreate.json: auto_create_topics false
    scenario = ["auto.create.topics.enable=false"] if a.scenario == "noautocreate" else []
    brokers = start_brokers(count, BROKER_PROPERTIES + txn + scenario)
    run = Path(tempfile.mkdtemp(prefix="netlab-rdkafka-run-"))
    try:
        conf = run / "test.conf"
        conf.write_text(f"metadata.broker.list={brokers.bootstrap}\n")
        env = dict(
            os.environ,
            RDKAFKA_TEST_CONF=str(conf),
            TEST_REPORT=str(run / "report.json"),
            TEST_KAFKA_VERSION="3.7.0",
            TEST_SCENARIO=a.scenario,
            LD_LIBRARY_PATH=f"{tree / 'src'}:{tree / 'src-cpp'}",
        )
        env.pop("KAFKA_PATH", None)
        if a.tests:
            env["TESTS"] = a.tests
        if a.skip:
            env["TESTS_SKIP"] = a.skip
            print(f"!!! left out on request (TESTS_SKIP), not run and not counted: {a.skip}")
        log = run / "test-runner.log"
        with open(log, "w") as out:
            try:
                subprocess.run(
                    [str(runner), "-Q", "-E"],
                    cwd=runner.parent,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=a.timeout,
                )
            except subprocess.TimeoutExpired:
                print(f"!!! the suite ran past {a.timeout:.0f}s and was stopped; results so far only")
        results = results_from(run / "report.json", log)
        print(f"(runner output: {log})")
        mode = ("cluster" if a.cluster else "single") + ("" if a.scenario == "default" else f", {a.scenario}")
        return report(f"{SUITE}[cluster]" if a.cluster else f"{SUITE}[single]", mode, results)
    finally:
        brokers.stop()


if __name__ == "__main__":
    sys.exit(main())
