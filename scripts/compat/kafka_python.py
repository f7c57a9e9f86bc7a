#!/usr/bin/env python3
"""kafka-python's own integration tests against netlab's broker.

    scripts/compat/kafka_python.py [--cluster] [--quick] [--tests PATH_OR_ID ...] [--timeout S] [--keep]
    scripts/compat/kafka_python.py --fetch-only

Downloads the installed kafka-python's sdist from PyPI (pip, at run time), starts one broker (or
three with --cluster) and runs test/integration with KAFKA_URI (the suite's external-broker mode)
and KAFKA_VERSION=3.7.0 (the release this broker is; docs/broker.md). --quick runs the producer
and consumer files only; the test suite runs that subset on one broker and on the cluster
(tests/compat/test_kafka_python_quick.py) from the cache scripts/install.sh fills (--fetch-only,
NETLAB_COMPAT_CACHE=.cache/compat), offline. docs/compat.md has the full tables.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report, run_pytest, sdist, start_brokers, test_deps  # noqa: E402

SUITE = "kafka-python"

# The quick subset runs in CI beside the rest of the suite on 2 cores; a test whose own time bound
# covers more than one loaded machine can promise is left out of it (loudly), never out of a full run
QUICK_LEAVES_OUT = {
    "test/integration/test_consumer_integration.py::test_kafka_consumer_unsupported_encoding": "one"
    " poll(timeout_ms=2000) must cover a group join (FindCoordinator, two JoinGroups, SyncGroup),"
    " OffsetFetch, ListOffsets and the first Fetch; in CI it once returned nothing in time, so the"
    " codec error it checks for never came (2026-12-05). It checks the client's decoder; full runs keep it",
}

# The settings the suite gives the Kafka it would spawn (its servers/resources/default/kafka.properties
# in the kafka-python repository, not in the sdist, and KafkaFixture._acl_config): tests rely on them,
# e.g. test_group's 3 s session timeout is below Kafka's default group.min.session.timeout.ms (6 s).
# StandardAuthorizer, since our broker is KRaft.
BROKER_PROPERTIES = [
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "allow.everyone.if.no.acl.found=true",
    "group.min.session.timeout.ms=1000",
    "num.partitions=4",
    "offsets.topic.num.partitions=2",
    "offsets.commit.timeout.ms=500",
    "replica.lag.time.max.ms=1000",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
]

SERVICE_SHIM = '''"""Written by netlab's scripts/compat/kafka_python.py: the sdist lacks test/service.py."""


class ExternalService:
    """A broker someone else runs (netlab's): nothing to start, stop or show."""

    def __init__(self, host, port):
        self.host, self.port = host, port

    def start(self):
        pass

    def stop(self):
        pass

    def dump_logs(self):
        pass

    def wait_for(self, pattern, timeout=30):
        return True


class SpawnedService:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("netlab compat: spawning a Kafka (a download) is never done here")
'''


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cluster", action="store_true", help="a 3-broker cluster instead of one broker")
    ap.add_argument("--quick", action="store_true", help="producer and consumer tests only")
    ap.add_argument("--tests", nargs="*", help="only these paths or node ids, relative to the sdist")
    ap.add_argument("--timeout", type=float, default=1500)
    ap.add_argument("--keep", action="store_true", help="keep the brokers' logs and data after the run")
    ap.add_argument(
        "--fetch-only",
        action="store_true",
        help="put the sdist and the test requirements in the cache; run nothing",
    )
    a = ap.parse_args()
    src = sdist("kafka-python", version("kafka-python"))
    # the sdist ships test/ without __init__.py (Python's own `test` package would shadow it) and
    # without test/service.py, which its fixtures import; in external-broker mode (KAFKA_URI) they
    # only hold host and port, so we write our own stand-in, and spawning refuses (no Kafka here)
    (src / "test" / "__init__.py").touch()
    service = src / "test" / "service.py"
    if not service.exists():
        service.write_text(SERVICE_SHIM)
    deps = test_deps(["pytest-mock", "pytest-timeout"])  # the suite's `testing` extra
    if a.fetch_only:
        print(
            f"kafka-python {version('kafka-python')}: the suite and its test requirements are in {src.parent}"
        )
        return 0
    files = ["test/integration/test_producer_integration.py", "test/integration/test_consumer_integration.py"]
    targets = a.tests or (files if a.quick else ["test/integration"])
    left_out = QUICK_LEAVES_OUT if a.quick and not a.tests else {}
    for test, why in left_out.items():
        print(f"!!! LEFT OUT of the quick subset (the full run keeps it): {test}  -- {why}")
    # node 0: the suite's fixture is KafkaFixture.instance(0, ...) and its tests name broker 0
    brokers = start_brokers(3 if a.cluster else 1, BROKER_PROPERTIES, first_id=0)
    brokers.keep = a.keep
    try:
        first = brokers.bootstrap.split(",")[0]
        path = f"{src}{os.pathsep}{deps}"
        # KAFKA_ROOT must name a directory (the fixture checks); an empty one, so a test that shells
        # out to a Kafka script fails by name instead of running a real Kafka
        no_kafka = brokers.workdir / "no-kafka-bin"
        no_kafka.mkdir()
        env = dict(
            os.environ,
            KAFKA_URI=f"kafka://{first}",
            KAFKA_VERSION="3.7.0",
            KAFKA_ROOT=str(no_kafka),
            PYTHONPATH=path,
        )
        junit = Path(tempfile.mkdtemp()) / "junit.xml"
        return report(
            SUITE + ("[cluster]" if a.cluster else ""),
            ("cluster" if a.cluster else "single") + (", quick" if a.quick else ""),
            run_pytest(src, targets, env, junit, a.timeout, [f"--deselect={t}" for t in left_out]),
        )
    finally:
        brokers.stop()


if __name__ == "__main__":
    sys.exit(main())
