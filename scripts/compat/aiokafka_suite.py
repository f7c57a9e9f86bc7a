#!/usr/bin/env python3
"""aiokafka's own test suite (tests/ of its source) against netlab's broker.

    scripts/compat/aiokafka_suite.py --source DIR [--cluster] [--tests tests/test_producer.py ...]

DIR is a checkout of aiokafka at the installed release (0.14.0), taken at run time, never copied
into this repo. Its PyPI sdist carries no tests/, so get one from git: on a machine with network
`git clone --branch v0.14.0 https://github.com/aio-libs/aiokafka DIR`; here, from the read-only
mirror, `mkdir DIR && git --git-dir=/work/.mirror/aio-libs+aiokafka/repo archive HEAD tests
pyproject.toml | tar -x -C DIR` (HEAD there is "Prepare 0.14.0 final release").

Starts one broker (or three with --cluster; scripts/compat/common.py) with the settings the suite's
docker image gives Kafka, and runs pytest on DIR/tests with the plugin
scripts/compat/plugins/aiokafka_external.py: the suite's conftest has no external-broker switch
(its `kafka_server` runs Kafka in docker, `--docker-image`), so the plugin hands it our broker and
makes whatever needs that container (SSL certificates, kafka-acls.sh, kafka-configs.sh, the KDC)
skip with the reason named; docker is never started, nothing is downloaded but the suite's pytest
plugins (pip, into the cache). The installed aiokafka (with its C extensions) is what is tested:
pytest's `--import-mode=append` keeps a checkout's aiokafka/ source from shadowing it.
"""

from __future__ import annotations

import argparse
import os
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

SUITE = "aiokafka"
KAFKA_VERSION = "3.7.0"  # the release the broker is (docs/broker.md); the suite gates tests on it

HOW = (
    "Get one with `git clone --branch v0.14.0 https://github.com/aio-libs/aiokafka DIR`, or here from"
    " the mirror: `git --git-dir=/work/.mirror/aio-libs+aiokafka/repo archive HEAD tests pyproject.toml"
    " | tar -x -C DIR`."
)

# What the suite's docker image gives Kafka (docker/scripts/start-kafka.sh and the conftest's
# environment there, over Kafka's config/server.properties, which sets the group delay to 0 and the
# internal topics' replication factor to 1): 2 partitions, auto-create, an authorizer allowing all
# without ACLs and super user admin (StandardAuthorizer, since our broker is KRaft).
BROKER_PROPERTIES = [
    "num.partitions=2",
    "auto.create.topics.enable=true",
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "allow.everyone.if.no.acl.found=true",
    "super.users=User:admin",
    "group.initial.rebalance.delay.ms=0",
]

# the suite's requirements-ci.txt, for what its pyproject's pytest settings need (asyncio_mode)
DEPS = ["pytest-asyncio==1.3.0", "pytest-mock==3.15.1"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", required=True, help="a checkout of aiokafka 0.14.0 (its tests/); see above")
    ap.add_argument("--cluster", action="store_true", help="three brokers instead of one")
    ap.add_argument("--tests", nargs="*", help="only these paths or node ids, relative to --source")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--keep", action="store_true", help="keep the brokers' logs and data after the run")
    a = ap.parse_args()
    src = suite_source(a.source, ["tests/conftest.py", "tests/_testutil.py", "pyproject.toml"], HOW)
    installed = version("aiokafka")
    print(f"{SUITE}: the suite from {src}, run against the installed aiokafka {installed}", flush=True)
    deps = test_deps(DEPS, CACHE / "deps-aiokafka")
    count = 3 if a.cluster else 1
    txn = [
        f"transaction.state.log.replication.factor={count}",
        f"transaction.state.log.min.isr={min(count, 2)}",
    ]
    # node ids from 0: the image's Kafka is broker.id=0 (Kafka's config/server.properties), and
    # tests/test_sender.py sends to node_id=0
    brokers = start_brokers(count, BROKER_PROPERTIES + txn, first_id=0)
    brokers.keep = a.keep
    try:
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join([str(PLUGINS), str(deps)]),
            NETLAB_COMPAT_BOOTSTRAP=brokers.bootstrap,
            NETLAB_COMPAT_KAFKA_VERSION=KAFKA_VERSION,
            NETLAB_COMPAT_CONFTEST=str(src / "tests" / "conftest.py"),
        )
        env.pop("AIOKAFKA_NO_EXTENSIONS", None)
        junit = Path(tempfile.mkdtemp(prefix="netlab-aiokafka-")) / "junit.xml"
        # The suite's filterwarnings=error turns two warnings of newer tools than its pins (pytest
        # 9.0.2) fatal: pytest-asyncio's about the unset fixture loop scope ("function" is the
        # default it warns about) and pytest 9.2's about parametrizing with a generator
        # (tests/test_requests.py); both kept as warnings, nothing else is loosened
        extra = [
            "-p",
            "aiokafka_external",
            "--import-mode=append",
            "-c",
            str(src / "pyproject.toml"),
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            "-W",
            "default::pytest.PytestRemovedIn10Warning",
        ]
        return report(
            SUITE + ("[cluster]" if a.cluster else "[single]"),
            "cluster" if a.cluster else "single",
            run_pytest(src, a.tests or ["tests"], env, junit, a.timeout, extra),
        )
    finally:
        brokers.stop()


if __name__ == "__main__":
    sys.exit(main())
