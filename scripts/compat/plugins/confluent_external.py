"""pytest plugin: confluent-kafka-python's tests/integration against netlab's broker(s) only.

The suite's own external-cluster switch is the BROKERS environment variable (its
tests/integration/conftest.py: `kafka_cluster` is then a ByoFixture on those bootstrap servers);
scripts/compat/confluent_kafka_suite.py sets it. What this plugin (`-p confluent_external`) adds:

- trivup, which the suite imports at module level and uses to download and start Kafka (every
  `sasl_cluster` and the OAUTHBEARER share-consumer cluster are always trivup ones), is replaced by
  a stand-in whose KafkaCluster skips the test, naming why: no Kafka is ever downloaded or started.
- tests/integration/schema_registry/ needs a Confluent Schema Registry (SR_URL) and the
  serializers' libraries: each of its files is reported as one skipped test with that reason,
  without importing it.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

NO_TRIVUP = (
    "starts a trivup cluster (SASL or OAUTHBEARER listeners), which downloads Kafka:"
    " never done here; the broker serves PLAINTEXT only"
)
NO_SCHEMA_REGISTRY = "needs a Confluent Schema Registry (the suite's SR_URL): none here"


class _NoTrivupCluster:
    """In place of trivup.clusters.KafkaCluster.KafkaCluster: skips instead of downloading Kafka."""

    def __init__(self, *args, **kwargs):
        pytest.skip(NO_TRIVUP)


def _install_trivup_stand_in() -> None:
    for name in ("trivup", "trivup.clusters", "trivup.clusters.KafkaCluster"):
        module = types.ModuleType(name, "netlab compat: trivup is never run (it downloads Kafka)")
        module.__path__ = []  # a package, so the submodule import resolves to the next entry
        sys.modules[name] = module
    sys.modules["trivup.clusters.KafkaCluster"].KafkaCluster = _NoTrivupCluster  # type: ignore[attr-defined]


_install_trivup_stand_in()


class _NotRunFile(pytest.File):
    """A test file reported as one skipped item with the reason, never imported."""

    def collect(self):
        yield _NotRunItem.from_parent(self, name=self.path.name)


class _NotRunItem(pytest.Item):
    def runtest(self):
        pytest.skip(NO_SCHEMA_REGISTRY)

    def reportinfo(self):
        return self.path, None, self.name


def _under_schema_registry(path: Path) -> bool:
    parts = path.parts
    return "integration" in parts and "schema_registry" in parts[parts.index("integration") :]


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path, parent):
    if _under_schema_registry(Path(module_path)):
        return _NotRunFile.from_parent(parent, path=Path(module_path))
    return None


def pytest_report_header(config):
    return "netlab: trivup replaced by a skipping stand-in; schema_registry/ files reported as skipped"
