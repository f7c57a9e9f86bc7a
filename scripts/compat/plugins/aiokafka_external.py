"""pytest plugin: aiokafka's own tests against a broker that is already running (netlab's).

aiokafka's tests/conftest.py has no external-broker switch: its `kafka_server` fixture pulls the
image given by `--docker-image` and runs Kafka in docker, and the SSL, ACL, SCRAM and Kerberos
helpers work inside that container. Loaded with `-p aiokafka_external` (by
scripts/compat/aiokafka_suite.py), this plugin swaps exactly those fixtures of the suite's conftest,
before pytest reads them, for ones that

- hand the suite our broker(s): host and port of the first, `hosts` = every bootstrap address
  (NETLAB_COMPAT_BOOTSTRAP), `kafka_version` = the Kafka release the broker is
  (NETLAB_COMPAT_KAFKA_VERSION), as the conftest derives it from the image tag;
- skip, with the reason named, wherever a test would need docker: the image pull, the SSL
  certificates (generated in the image), kafka-acls.sh / kafka-configs.sh / the KDC (run in the
  container). Nothing here ever starts docker or downloads anything.

All other fixtures (the class-scoped event loop, ports, ...) stay the suite's own.
"""

from __future__ import annotations

import os
import unittest
from dataclasses import dataclass, field
from pathlib import Path

import pytest

NO_IMAGE = (
    "pulls and runs the suite's Kafka docker image (--docker-image): never done here, the broker is netlab's"
)
NO_CERTS = (
    "SSL certificates are generated inside the suite's Kafka docker image (gen-ssl-certs.sh);"
    " the broker serves PLAINTEXT only"
)
NO_ACL_TOOL = "kafka-acls.sh runs inside the suite's Kafka docker container (SASL ACL tests): none here"
NO_CONFIG_TOOL = "kafka-configs.sh (SCRAM users) runs inside the suite's Kafka docker container: none here"
NO_KDC = "Kerberos keytabs and the KDC live in the suite's Kafka docker container (GSSAPI): none here"


class Unavailable:
    """Stands where the suite expects a docker-backed helper: any use skips the test, naming why
    (unittest.SkipTest, which both unittest's setUp/tearDown and pytest report as a skip)."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def __getattr__(self, name: str):
        raise unittest.SkipTest(self._reason)

    def __truediv__(self, other):
        raise unittest.SkipTest(self._reason)

    def __fspath__(self):
        raise unittest.SkipTest(self._reason)


@dataclass
class ExternalKafka:
    """What the suite reads of its `kafka_server`: our broker(s); no SSL/SASL listeners."""

    hosts: list[str] = field(default_factory=list)
    ssl_port: None = None
    sasl_plain_port: None = None
    sasl_ssl_port: None = None

    @property
    def host(self) -> str:
        return self.hosts[0].rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        return int(self.hosts[0].rsplit(":", 1)[1])

    @property
    def container(self):
        return Unavailable(NO_IMAGE)


def _bootstrap() -> list[str]:
    hosts = [h for h in os.environ.get("NETLAB_COMPAT_BOOTSTRAP", "").split(",") if h]
    if not hosts:
        raise pytest.UsageError("aiokafka_external: NETLAB_COMPAT_BOOTSTRAP (host:port,...) is not set")
    return hosts


@pytest.fixture(scope="session", name="docker")
def _docker():
    return None


@pytest.fixture(scope="session", name="kafka_image")
def _kafka_image():
    pytest.skip(NO_IMAGE)


@pytest.fixture(scope="session", name="ssl_folder")
def _ssl_folder():
    pytest.skip(NO_CERTS)


@pytest.fixture(scope="session", name="kafka_server")
def _kafka_server():
    return ExternalKafka(_bootstrap())


@pytest.fixture(scope="class", name="acl_manager")
def _acl_manager():
    return Unavailable(NO_ACL_TOOL)


@pytest.fixture(scope="class", name="kafka_config")
def _kafka_config():
    return Unavailable(NO_CONFIG_TOOL)


@pytest.fixture(scope="class", name="kerberos_utils")
def _kerberos_utils():
    return Unavailable(NO_KDC)


@pytest.fixture(scope="class", name="setup_test_class")
def _setup_test_class(request, loop, kafka_server, acl_manager, kafka_config, kerberos_utils):
    """The attributes the suite's setup_test_class gives a test class, from our broker."""
    cls = request.cls
    cls.loop = loop
    cls.kafka_host, cls.kafka_port = kafka_server.host, kafka_server.port
    cls.kafka_ssl_port = kafka_server.ssl_port
    cls.kafka_sasl_plain_port = kafka_server.sasl_plain_port
    cls.kafka_sasl_ssl_port = kafka_server.sasl_ssl_port
    cls.ssl_folder = Unavailable(NO_CERTS)
    cls.acl_manager, cls.kafka_config, cls.kerberos_utils = acl_manager, kafka_config, kerberos_utils
    cls.hosts = kafka_server.hosts
    cls.kafka_version = os.environ.get("NETLAB_COMPAT_KAFKA_VERSION", "3.7.0")


# the fixtures of aiokafka's tests/conftest.py that reach for docker, and ours in their place
OURS = {
    "docker": _docker,
    "kafka_image": _kafka_image,
    "ssl_folder": _ssl_folder,
    "kafka_server": _kafka_server,
    "acl_manager": _acl_manager,
    "kafka_config": _kafka_config,
    "kerberos_utils": _kerberos_utils,
    "setup_test_class": _setup_test_class,
}


def _is_suite_conftest(plugin) -> bool:
    where = getattr(plugin, "__file__", None)
    want = os.environ.get("NETLAB_COMPAT_CONFTEST")
    return bool(where and want) and Path(where).resolve() == Path(want).resolve()


@pytest.hookimpl(tryfirst=True)
def pytest_plugin_registered(plugin, manager):
    """Runs before pytest's fixture manager reads the suite's conftest: its docker fixtures are
    replaced in the module itself, so the originals are never registered (a conftest's fixture
    would otherwise win over a plugin's)."""
    if not _is_suite_conftest(plugin):
        return
    missing = [name for name in OURS if not hasattr(plugin, name)]
    if missing:
        raise pytest.UsageError(
            f"aiokafka_external: {plugin.__file__} has no fixture(s) {missing}: not the conftest this"
            " plugin was written for (aiokafka 0.14)"
        )
    for name, fixture in OURS.items():
        setattr(plugin, name, fixture)


def pytest_report_header(config):
    return (
        f"netlab external broker(s): {os.environ.get('NETLAB_COMPAT_BOOTSTRAP')} (aiokafka_external plugin)"
    )
