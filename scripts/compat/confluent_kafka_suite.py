#!/usr/bin/env python3
"""confluent-kafka-python's own tests/integration against netlab's broker.

    scripts/compat/confluent_kafka_suite.py --source DIR [--cluster] [--tests tests/integration/admin ...]

DIR is a checkout of confluent-kafka-python, taken at run time, never copied into this repo (its
PyPI sdist carries no tests, and Debian's source package is 1.7.0 and not served here). On a
machine with network: `git clone --branch v2.16.1 https://github.com/confluentinc/confluent-kafka-python
DIR` (the installed wheel's release); here, from the read-only mirror, whose HEAD is v2.15.0:
`mkdir DIR && git --git-dir=/work/.mirror/confluentinc+confluent-kafka-python/repo archive HEAD tests
pyproject.toml | tar -x -C DIR`. The run prints both versions: the suite's and the installed client's.

Starts one broker (or three with --cluster; scripts/compat/common.py) and runs pytest on
DIR/tests/integration with BROKERS set (the suite's bring-your-own-cluster switch, its conftest's
ByoFixture), and the plugin scripts/compat/plugins/confluent_external.py, which replaces trivup
(downloads Kafka; the suite's SASL/OAUTHBEARER clusters are always trivup ones) by a stand-in that
skips by name, and reports each schema_registry/ file as skipped (needs a Schema Registry). The
suite's test requirements go into the cache with pip (--target), never into the project's venv.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    CACHE,
    PLUGINS,
    report,
    run_pytest,
    start_brokers,
    suite_source,
    test_deps,
)

SUITE = "confluent-kafka-python"

HOW = (
    "Get one with `git clone --branch v2.16.1 https://github.com/confluentinc/confluent-kafka-python DIR`,"
    " or here from the mirror: `git --git-dir=/work/.mirror/confluentinc+confluent-kafka-python/repo"
    " archive HEAD tests pyproject.toml | tar -x -C DIR`."
)

# What the suite's trivup cluster gives Kafka (tests/common TestUtils.broker_conf: the internal
# topics' replication factor 1 on one broker; trivup's authorizer allowing all without ACLs, which
# admin/test_basic_operations' ACL calls need: StandardAuthorizer, since our broker is KRaft, as
# librdkafka_suite.py), Kafka's defaults otherwise (trivup leaves the group delay at Kafka's
# 3000 ms; auto-create on, 1 partition).
BROKER_PROPERTIES = [
    "group.initial.rebalance.delay.ms=3000",
    "num.partitions=1",
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "allow.everyone.if.no.acl.found=true",
]

# pytest plugins from the suite's requirements/requirements-tests.txt (no dependencies: pytest is
# the project's), and what its conftest imports beyond confluent-kafka itself (cluster_fixture.py
# imports the Schema Registry clients: authlib, httpx, cachetools; tests/common imports the old
# Avro API: avro, fastavro; share_consumer/test_share_consumer_deserialization.py the Protobuf
# serializers: protobuf, googleapis-common-protos), with their dependencies
PLUGIN_DEPS = ["pytest-timeout", "pytest-asyncio==1.3.0"]
IMPORT_DEPS = ["authlib", "httpx", "cachetools", "avro", "fastavro", "protobuf", "googleapis-common-protos"]


def suite_version(src: Path) -> str:
    found = re.search(r'^version = "([^"]+)"', (src / "pyproject.toml").read_text(), re.M)
    return found.group(1) if found else "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", required=True, help="a checkout of confluent-kafka-python; see above")
    ap.add_argument("--cluster", action="store_true", help="three brokers instead of one")
    ap.add_argument("--tests", nargs="*", help="only these paths or node ids, relative to --source")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--keep", action="store_true", help="keep the brokers' logs and data after the run")
    a = ap.parse_args()
    src = suite_source(a.source, ["tests/integration/conftest.py", "tests/common", "pyproject.toml"], HOW)
    print(
        f"{SUITE}: the suite of {suite_version(src)} from {src}, run against the installed"
        f" confluent-kafka {version('confluent-kafka')}",
        flush=True,
    )
    target = CACHE / "deps-confluent"
    test_deps(PLUGIN_DEPS, target)
    test_deps(IMPORT_DEPS, target, with_deps=True)
    count = 3 if a.cluster else 1
    rf = [
        f"transaction.state.log.replication.factor={count}",
        f"transaction.state.log.min.isr={min(count, 2)}",
    ]
    brokers = start_brokers(count, BROKER_PROPERTIES + rf)
    brokers.keep = a.keep
    try:
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join([str(PLUGINS), str(target)]),
            BROKERS=brokers.bootstrap,
        )
        for unset in ("SR_URL", "TEST_CONSUMER_GROUP_PROTOCOL"):  # no registry; the classic group protocol
            env.pop(unset, None)
        junit = Path(tempfile.mkdtemp(prefix="netlab-confluent-")) / "junit.xml"
        extra = [
            "-p",
            "confluent_external",
            "-c",
            str(src / "pyproject.toml"),
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            # a file that cannot be imported is one failure, not the end of the run
            "--continue-on-collection-errors",
        ]
        return report(
            SUITE + ("[cluster]" if a.cluster else "[single]"),
            "cluster" if a.cluster else "single",
            run_pytest(src, a.tests or ["tests/integration"], env, junit, a.timeout, extra),
        )
    finally:
        brokers.stop()


if __name__ == "__main__":
    sys.exit(main())
