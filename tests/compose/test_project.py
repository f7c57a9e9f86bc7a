"""Compose semantics (project.py) and the translation to a topology (translate.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from netlab.compose import ComposeOptions, compose_lab
from netlab.compose.load import load_compose_data
from netlab.compose.project import build_project
from netlab.errors import InputError
from netlab.kafka.lab_check import predicted_report

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "docker-compose.yml") -> Path:
    d = tmp_path / "My-Project"
    d.mkdir(exist_ok=True)
    p = d / name
    p.write_text(textwrap.dedent(text))
    return p


def project(path: Path, env: dict | None = None, name: str | None = None):
    return build_project(load_compose_data(path, environ=env or {}), name)


def test_project_name_networks_addresses_and_order(tmp_path):
    p = write(
        tmp_path,
        """
        services:
          app:
            image: busybox
            depends_on: [kafka]
            networks: [default, back]
          kafka:
            image: confluentinc/cp-kafka:7.6.0
            networks:
              back:
                ipv4_address: 10.9.0.50
                aliases: [broker]
          other:
            image: busybox
        networks:
          back:
            ipam:
              config:
                - subnet: 10.9.0.0/24
        """,
    )
    pr = project(p)
    assert pr.name == "my-project"  # the directory, normalized
    assert list(pr.services) == ["kafka", "app", "other"]  # depends_on first, else file order
    assert pr.networks["default"].name == "my-project_default"
    assert str(pr.networks["default"].subnet) == "172.18.0.0/16"
    assert str(pr.networks["back"].subnet) == "10.9.0.0/24"
    app = pr.services["app"]
    assert [str(a.ipv4_address) for a in app.attachments] == ["172.18.0.2", "10.9.0.2"]
    assert str(pr.services["other"].attachments[0].ipv4_address) == "172.18.0.3"
    assert str(pr.services["kafka"].attachments[0].ipv4_address) == "10.9.0.50"
    assert project(p, name="Other_Name").name == "other_name"
    assert project(p, env={"COMPOSE_PROJECT_NAME": "fromenv"}).name == "fromenv"


def test_second_default_pool_network(tmp_path):
    p = write(
        tmp_path,
        """
        name: demo
        services:
          a: {image: busybox, networks: [x, y]}
        networks:
          x: {}
          y: {}
        """,
    )
    pr = project(p)
    assert pr.name == "demo"
    assert [str(n.subnet) for n in pr.networks.values()] == ["172.18.0.0/16", "172.19.0.0/16"]


def test_env_file_dotenv_and_environment(tmp_path):
    p = write(
        tmp_path,
        """
        services:
          k:
            image: ${IMG:-busybox}
            env_file: [k.env]
            environment:
              - A=from-env
              - FROM_SHELL
              - B
        """,
    )
    (p.parent / ".env").write_text("IMG=alpine\n")
    (p.parent / "k.env").write_text("A=from-file\nC=file-only\n")
    pr = project(p, env={"FROM_SHELL": "shell"})
    svc = pr.services["k"]
    assert svc.image == "alpine"
    assert svc.environment == {"A": "from-env", "C": "file-only", "FROM_SHELL": "shell"}
    other = tmp_path / "other.env"
    other.write_text("IMG=debian\n")
    assert build_project(load_compose_data(p, env_file=other, environ={})).services["k"].image == "debian"


def test_profiles_and_dependencies(tmp_path):
    p = write(
        tmp_path,
        """
        services:
          base: {image: busybox}
          debug: {image: busybox, profiles: [debug], depends_on: [helper]}
          helper: {image: busybox, profiles: [tools]}
        """,
    )
    assert list(project(p).services) == ["base"]
    assert set(project(p, env={"COMPOSE_PROFILES": "debug"}).services) == {"base", "debug", "helper"}


def test_network_modes_links_and_names(tmp_path):
    p = write(
        tmp_path,
        """
        services:
          kafka:
            image: busybox
            hostname: broker-host
            container_name: the-kafka
          side:
            image: busybox
            network_mode: service:kafka
          onhost:
            image: busybox
            network_mode: host
          legacy1:
            image: busybox
            network_mode: bridge
          legacy2:
            image: busybox
            network_mode: bridge
            links: [legacy1:db]
        """,
    )
    lab = compose_lab(p, ComposeOptions(lan_ip=None))
    t = lab.translation
    assert t.node_of["kafka"] == "kafka" and t.hostname_of["kafka"] == "broker-host"
    assert t.node_of["side"] == "kafka" and t.hostname_of["side"] == "broker-host"  # kafka's namespace
    assert t.node_of["onhost"] == "host"
    nodes = t.data["nodes"]
    net = next(iter(nodes["kafka"]["networks"]))
    from netlab.compose.translate import container_id

    short = container_id(lab.project.name, "kafka")
    assert nodes["kafka"]["networks"][net]["aliases"] == ["the-kafka", short]
    # the hostname resolves in the container itself only (Docker's /etc/hosts), not on the network
    assert nodes["kafka"]["extra_hosts"] == ["broker-host:172.18.0.2"]
    assert t.data["networks"]["docker0"]["subnet"] == "172.17.0.0/16"
    assert t.data["networks"]["docker0"]["names"] is False
    # legacy bridge: no names, except the link written into /etc/hosts
    world_names = lab.topology._resolved.extra_hosts
    assert ("172.17.0.2", "db") in world_names["legacy2"]
    from netlab.kafka.lab_world import world_from_resolved

    world = world_from_resolved(lab.topology._resolved)
    assert world.vantage("legacy1").resolve("legacy2") is None
    assert world.vantage("legacy2").resolve("db") == ["172.17.0.2"]
    assert world.vantage("legacy2").resolve("legacy1") == ["172.17.0.2"]


def test_container_only_port_gets_docker_host_port(tmp_path):
    p = write(
        tmp_path,
        """
        services:
          a: {image: busybox, ports: ["9092", "32768:80"]}
        """,
    )
    pr = project(p)
    assert [(x.published, x.target, x.auto) for x in pr.services["a"].ports] == [
        (32769, 9092, True),
        (32768, 80, False),
    ]


def test_ignored_keys_listed_once(tmp_path):
    p = write(
        tmp_path,
        """
        services:
          a: {image: busybox, volumes: [x:/x], healthcheck: {test: ["CMD", "true"]}}
          b: {image: busybox, volumes: [y:/y], deploy: {replicas: 1}}
        volumes: {x: {}, y: {}}
        """,
    )
    assert project(p).ignored == [
        "volumes",
        "services.*.volumes",
        "services.*.healthcheck",
        "services.*.deploy",
    ]


BAD = [
    ("services:\n  a:\n    image: x\n    portz: [1]\n", 4, "services.a", "portz"),
    ('services:\n  a:\n    image: x\n    ports: ["99999:1"]\n', 4, "services.a.ports", "not a port"),
    ("services:\n  a:\n    image: ${NOPE:?set NOPE}\n", 3, "services.a.image", "set NOPE"),
    ("services:\n  a:\n    image: x\n    depends_on: [b]\n", 4, "services.a.depends_on", "undefined service"),
    ("services:\n  a:\n    image: x\n    networks: [nope]\n", 4, "services.a.networks", "undefined network"),
    ("services:\n  a: [\n", 3, "", "YAML syntax error"),
]


@pytest.mark.parametrize("text,line,path,words", BAD)
def test_bad_input_is_located(tmp_path, text, line, path, words):
    p = write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        compose_lab(p)
    assert words in exc.value.message + (exc.value.where or "")
    assert exc.value.where.startswith(f"{p}:{line}")
    assert path in exc.value.where


def test_bad_input_exit_2_nothing_created(tmp_path):
    p = write(tmp_path, BAD[0][0])
    run_dir = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(REPO), "NETLAB_RUN_DIR": str(run_dir)}
    for verb in (["predict"], ["up"], ["import", "compose"], ["validate"]):
        r = subprocess.run(
            [sys.executable, "-m", "netlab", *verb, str(p)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert r.returncode == 2, (verb, r.stdout, r.stderr)
        assert f"{p}:4" in r.stderr + r.stdout
    assert not run_dir.exists()


def test_generated_rows_and_probes(tmp_path):
    p = write(
        tmp_path,
        """
        services:
          kafka:
            image: confluentinc/cp-kafka:7.6.0
            ports: ["9092:9092"]
            environment:
              KAFKA_NODE_ID: 1
              KAFKA_PROCESS_ROLES: broker,controller
              KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka:9093
              KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER
              KAFKA_LISTENERS: INTERNAL://:29092,EXTERNAL://:9092,CONTROLLER://:9093
              KAFKA_ADVERTISED_LISTENERS: INTERNAL://kafka:29092,EXTERNAL://localhost:9092
              KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
              KAFKA_INTER_BROKER_LISTENER_NAME: INTERNAL
              CLUSTER_ID: MkU3OEVBNTcwNTJENDM2Qk
          app:
            image: busybox
        """,
    )
    lab = compose_lab(p)
    rows = [(c.node, c.bootstrap) for c in lab.topology.clients]
    assert rows == [
        ("host", "localhost:9092"),
        ("app", "kafka:29092"),
        ("app", "kafka:9092"),
        ("lan", "198.51.100.10:9092"),
    ]
    rep = predicted_report(lab.topology)
    by = {(v.from_node, v.to): v for v in rep.verdicts}
    assert by[("host", "localhost:9092")].ok
    assert by[("app", "kafka:29092")].ok
    assert by[("app", "kafka:9092")].cause == "advertised_refused"
    assert by[("lan", "198.51.100.10:9092")].cause == "advertised_refused"
    lab = compose_lab(
        p, ComposeOptions(probes=["host=localhost:9092", "+kafka=kafka:29092", "app=kafka:29092"])
    )
    assert [(c.node, c.bootstrap) for c in lab.topology.clients] == [
        ("host", "localhost:9092"),
        ("probe-kafka", "kafka:29092"),
        ("app", "kafka:29092"),
    ]
    assert lab.labels == ["host", "+kafka", "app"]
    with pytest.raises(InputError):
        compose_lab(p, ComposeOptions(probes=["nobody=kafka:1"]))


def test_predict_json_rows_and_checked_fixes(tmp_path):
    p = write(
        tmp_path,
        """
        services:
          kafka:
            image: bitnami/kafka:3.7
            ports: ["9092:9092"]
            environment:
              - KAFKA_CFG_NODE_ID=0
              - KAFKA_CFG_PROCESS_ROLES=controller,broker
              - KAFKA_CFG_CONTROLLER_QUORUM_VOTERS=0@kafka:9093
              - KAFKA_CFG_LISTENERS=PLAINTEXT://:9092,CONTROLLER://:9093
              - KAFKA_CFG_ADVERTISED_LISTENERS=PLAINTEXT://:9092
              - KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
              - KAFKA_CFG_CONTROLLER_LISTENER_NAMES=CONTROLLER
        """,
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "netlab",
            "predict",
            str(p),
            "--json",
            "--probe",
            "host=localhost:9092",
            "--lan-ip",
            "off",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    client = [row for row in rows if row["kind"] == "client"]
    assert client[0]["from"] == "host" and client[0]["to"] == "localhost:9092"
    assert client[0]["cause"] == "advertised_unresolved"  # advertises the container's hostname
    fix = client[0]["fix"]
    assert fix.startswith("on service kafka: KAFKA_CFG_ADVERTISED_LISTENERS:")
    # the fix, applied to the compose file, makes the row work
    value = fix.split("KAFKA_CFG_ADVERTISED_LISTENERS: ", 1)[1].split(";")[0].split(" — ")[0]
    fixed = p.read_text().replace(
        "KAFKA_CFG_ADVERTISED_LISTENERS=PLAINTEXT://:9092", f"KAFKA_CFG_ADVERTISED_LISTENERS={value}"
    )
    extra = {}
    for part in fix.split(": ", 1)[1].split("; "):
        key, _, val = part.partition(": ")
        if key.startswith("KAFKA_"):
            extra[key] = val.split(" — ")[0]
    lab = compose_lab(
        p, ComposeOptions(probes=["host=localhost:9092"], lan_ip=None), env_overrides={"kafka": extra}
    )
    assert fixed != p.read_text()
    v = predicted_report(lab.topology).verdicts
    assert [x.ok for x in v if x.client != "broker"] == [True] or "then bootstrap" in fix


def test_desktop_host_docker_internal():
    corpus = Path(__file__).parent / "corpus" / "conduktor-zk-single-kafka-single.yml"

    def rows(desktop):
        lab = compose_lab(corpus, ComposeOptions(project="compdesk", desktop=desktop))
        return {(v.from_node, v.to): v.ok for v in predicted_report(lab.topology).verdicts}

    linux, mac, windows = rows(None), rows("mac"), rows("windows")
    # the DOCKER listener advertises host.docker.internal:29092: only Docker Desktop resolves it
    assert not linux[("zoo1", "kafka1:29092")] and mac[("zoo1", "kafka1:29092")]
    assert not mac[("host", "localhost:29092")] and windows[("host", "localhost:29092")]


def test_validate_summarises_a_compose_file():
    corpus = Path(__file__).parent / "corpus" / "wurstmeister-jmx-scenario.yml"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run(
        [sys.executable, "-m", "netlab", "validate", str(corpus), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["valid"] and set(info["nodes"]) >= {"host", "zookeeper", "kafka", "jmxexporter", "test"}
    assert any("entrypoint replaced" in n for n in info["notes"])


def test_what_is_not_followed_is_said(tmp_path):
    p = write(
        tmp_path,
        """
        include: [other.yml]
        services:
          a: {image: busybox}
        """,
    )
    (p.parent / "docker-compose.override.yml").write_text("services: {}\n")
    notes = project(p).notes
    assert any("`include` is not followed" in n for n in notes)
    assert any("docker-compose.override.yml is next to this file" in n for n in notes)


def test_extends_merges_as_compose_does(tmp_path):
    p = write(
        tmp_path,
        """
        services:
          kafka:
            extends: {file: base.yml, service: kafka-base}
            environment:
              KAFKA_NODE_ID: 2
            ports: ["9093:9093"]
          local:
            extends: kafka
            hostname: local
        """,
    )
    (p.parent / "base.yml").write_text(
        "services:\n  kafka-base:\n    image: confluentinc/cp-kafka:7.6.0\n"
        "    environment: [KAFKA_NODE_ID=1, CLUSTER_ID=abc]\n    ports: ['9092:9092']\n"
    )
    pr = project(p)
    k = pr.services["kafka"]
    assert k.image == "confluentinc/cp-kafka:7.6.0"
    assert k.environment == {"KAFKA_NODE_ID": "2", "CLUSTER_ID": "abc"}
    assert [(x.published, x.target) for x in k.ports] == [(9092, 9092), (9093, 9093)]
    assert pr.services["local"].hostname == "local" and pr.services["local"].image == k.image
    (p.parent / "base.yml").write_text("services:\n  other: {image: x}\n")
    with pytest.raises(InputError, match="no service 'kafka-base'"):
        project(p)


def test_client_choice_reaches_the_rows(tmp_path):
    corpus = Path(__file__).parent / "corpus" / "bitnami-kafka-3.7-single.yml"
    lab = compose_lab(corpus, ComposeOptions(project="compclient", client="kafka-python"))
    assert {c.client for c in lab.topology.clients} == {"kafka-python"}


def test_yaml_1_2_scalars_as_docker_compose_reads_them(tmp_path):
    p = write(
        tmp_path,
        """
        services:
          k:
            image: busybox
            ports:
              - 22:22
            environment:
              ALLOW_PLAINTEXT_LISTENER: yes
              FLAG: on
              REAL: true
        """,
    )
    svc = project(p).services["k"]
    assert svc.environment == {"ALLOW_PLAINTEXT_LISTENER": "yes", "FLAG": "on", "REAL": "true"}
    assert [(x.published, x.target) for x in svc.ports] == [(22, 22)]


def test_service_names_with_underscores_resolve(tmp_path):
    p = write(
        tmp_path,
        """
        services:
          kafka_broker:
            image: confluentinc/cp-kafka:7.6.0
            environment:
              KAFKA_NODE_ID: 1
              KAFKA_PROCESS_ROLES: broker,controller
              KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka_broker:9093
              KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER
              KAFKA_LISTENERS: PLAINTEXT://:9092,CONTROLLER://:9093
              KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://kafka_broker:9092
              KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
              CLUSTER_ID: MkU3OEVBNTcwNTJENDM2Qk
          app_client:
            image: busybox
        """,
    )
    lab = compose_lab(p, ComposeOptions(lan_ip=None))
    assert lab.translation.node_of == {"kafka_broker": "kafka-broker", "app_client": "app-client"}
    rows = {(v.from_node, v.to): v.ok for v in predicted_report(lab.topology).verdicts}
    assert rows[("app-client", "kafka_broker:9092")]


def test_empty_advertised_host_is_the_containers_hostname(tmp_path):
    from netlab.compose.translate import container_id

    def lab_of(name: str, extra: str, advertised: str):
        p = write(
            tmp_path,
            f"""
            services:
              {name}:
                image: bitnami/kafka:3.7
                {extra}
                environment:
                  - KAFKA_CFG_NODE_ID=0
                  - KAFKA_CFG_PROCESS_ROLES=controller,broker
                  - KAFKA_CFG_CONTROLLER_QUORUM_VOTERS=0@{name}:9093
                  - KAFKA_CFG_LISTENERS=PLAINTEXT://:9092,CONTROLLER://:9093
                  {advertised}
                  - KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
                  - KAFKA_CFG_CONTROLLER_LISTENER_NAMES=CONTROLLER
              app:
                image: busybox
            """,
            name=f"{name}.yml",
        )
        lab = compose_lab(p, ComposeOptions(lan_ip=None))
        return lab, {(v.from_node, v.to): v for v in predicted_report(lab.topology).verdicts}

    lab, by = lab_of("kafka", "", "- KAFKA_CFG_ADVERTISED_LISTENERS=PLAINTEXT://:9092")
    short = container_id(lab.project.name, "kafka")
    assert (
        lab.translation.data["nodes"]["kafka"]["broker"]["advertised.listeners"]
        == f"PLAINTEXT://{short}:9092"
    )
    assert by[("app", "kafka:9092")].ok  # the short id resolves on the network
    # advertised.listeners unset: the listeners minus the controller's, the empty host as the hostname
    lab, by = lab_of("named", "hostname: named-host", "")
    assert (
        lab.translation.data["nodes"]["named"]["broker"]["advertised.listeners"]
        == "PLAINTEXT://named-host:9092"
    )
    named = by[("app", "named:9092")]  # the hostname does not resolve on the network: Docker's behaviour
    assert not named.ok and named.cause == "advertised_unresolved" and named.target == "named-host:9092"
