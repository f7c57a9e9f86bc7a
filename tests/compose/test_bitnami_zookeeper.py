"""bitnami/zookeeper as its entrypoint configures it (netlab/compose/profiles/bitnami_zookeeper.py):
each rule against the libzookeeper.sh / zookeeper-env.sh line it follows, the refusals in the
script's words, predict on Bitnami's README ensemble (`0.0.0.0` for a member's own line, `::id`),
and that ensemble live: three real ZooKeepers form a quorum (leader and followers by `srvr` and
`mntr`) and Bitnami Kafka brokers in ZooKeeper mode register through it."""

from __future__ import annotations

import pytest

from netlab.compose import ComposeOptions, compose_lab
from netlab.compose.profiles import ImageRef, ZooKeeperRole, configure_service
from netlab.compose.profiles import bitnami_zookeeper as bz
from netlab.kafka.lab_report import predicted_report, world_of

ANON = {"ALLOW_ANONYMOUS_LOGIN": "yes"}
THREE = "zookeeper1:2888:3888,zookeeper2:2888:3888,zookeeper3:2888:3888"


def role(env: dict[str, str], image: str = "bitnami/zookeeper:3.8") -> ZooKeeperRole:
    out = configure_service(ImageRef.parse(image), env, container="c", facts={})
    assert isinstance(out, ZooKeeperRole)
    return out


# --- zookeeper_generate_conf: the zoo.cfg lines ---


def test_positional_servers_are_numbered_from_one_with_the_client_port():
    """`server.$i` with i=1,2,... in order, value `${server};${ZOO_PORT_NUMBER}`; myid ZOO_SERVER_ID."""
    r = role({**ANON, "ZOO_SERVER_ID": "2", "ZOO_SERVERS": THREE, "ZOO_PORT_NUMBER": "2182"})
    assert r.entrypoint_error is None
    assert r.client_port == 2182 and r.server_id == 2
    assert r.servers == {
        1: "zookeeper1:2888:3888;2182",
        2: "zookeeper2:2888:3888;2182",
        3: "zookeeper3:2888:3888;2182",
    }


@pytest.mark.parametrize("sep", [",", ";", " ", ", "])
def test_servers_split_on_comma_semicolon_and_space(sep):
    """`${ZOO_SERVERS//[;, ]/ }` read into an array."""
    r = role({**ANON, "ZOO_SERVERS": sep.join(THREE.split(","))})
    assert list(r.servers) == [1, 2, 3]


def test_explicit_ids_when_the_value_holds_double_colons():
    """`host:port:port::id`: `server.${srv[1]}=${srv[0]};port` (the README's ids 2, 4, 6)."""
    r = role(
        {
            **ANON,
            "ZOO_SERVER_ID": "4",
            "ZOO_SERVERS": "0.0.0.0:2888:3888::2,zk2:2888:3888::4,zk3:2888:3888::6",
        }
    )
    assert r.servers == {2: "0.0.0.0:2888:3888;2181", 4: "zk2:2888:3888;2181", 6: "zk3:2888:3888;2181"}
    assert r.server_id == 4


def test_one_entry_is_standalone():
    """`-gt 1` entries, else "ZooKeeper will run in standalone mode"."""
    assert role({**ANON, "ZOO_SERVERS": "zookeeper1:2888:3888"}).servers == {}


def test_defaults_and_the_variables_that_become_zoo_cfg_lines():
    """zookeeper-env.sh defaults: initLimit 10, syncLimit 5, maxCnxns 0, maxClientCnxns 60,
    maxSessionTimeout 40000, 4lw `srvr, mntr`, quorumListenOnAllIPs false; tickTime 2000."""
    r = role({**ANON, "ZOO_SERVERS": THREE})
    assert r.settings == {
        "initLimit": "10",
        "syncLimit": "5",
        "maxCnxns": "0",
        "maxClientCnxns": "60",
        "maxSessionTimeout": "40000",
        "4lw.commands.whitelist": "srvr, mntr",
        "quorumListenOnAllIPs": "false",
    }
    assert r.tick_time == 2000
    r = role(
        {
            **ANON,
            "ZOO_TICK_TIME": "500",
            "ZOO_INIT_LIMIT": "7",
            "ZOO_SYNC_LIMIT": "3",
            "ZOO_LISTEN_ALLIPS_ENABLED": "YES",
            "ZOO_CFG_snapCount": "1000",
            "ZOO_PEER_TYPE": "participant",
        }
    )
    assert r.tick_time == 500
    assert (r.settings["initLimit"], r.settings["syncLimit"]) == ("7", "3")
    assert r.settings["quorumListenOnAllIPs"] == "true"  # is_boolean_yes ignores case
    assert r.settings["snapCount"] == "1000" and r.settings["peerType"] == "participant"


def test_zoo_cfg_variables_keep_their_case():
    """`sed -e 's/^ZOO_CFG_//g' -e 's/_/\\./g'`: no lower-casing; a key netlab writes itself is a note."""
    r = role({**ANON, "ZOO_CFG_SNAPCOUNT": "5", "ZOO_CFG_dataDir": "/x"})
    assert r.settings["SNAPCOUNT"] == "5"
    assert any("ZOO_CFG_dataDir" in n for n in r.notes)


@pytest.mark.parametrize("value", ["1", "yes", "Yes", "TRUE"])
def test_is_boolean_yes(value):
    assert bz.is_boolean_yes(value)
    assert role({"ALLOW_ANONYMOUS_LOGIN": value}).entrypoint_error is None


# --- zookeeper_validate: the refusals, in its words ---

ANON_ERROR = (
    "The ZOO_ENABLE_AUTH environment variable does not configure authentication. Set the environment "
    "variable ALLOW_ANONYMOUS_LOGIN=yes to allow unauthenticated users to connect to ZooKeeper."
)


@pytest.mark.parametrize("image", ["bitnami/zookeeper:3.8", "docker.io/bitnamilegacy/zookeeper:3.9"])
def test_without_anonymous_login_it_refuses(image):
    assert role({"ZOO_SERVERS": THREE}, image).entrypoint_error == ANON_ERROR
    assert role({"ALLOW_ANONYMOUS_LOGIN": "no"}, image).entrypoint_error == ANON_ERROR
    auth = role({"ZOO_ENABLE_AUTH": "yes"}, image)  # authentication configured: no anonymous check
    assert auth.entrypoint_error is None and any("SASL" in n for n in auth.notes)


@pytest.mark.parametrize(
    "port, words",
    [
        ("80", "privileged port requested"),
        ("two", "value is not an integer"),
        ("70000", "requested port is greater than 65535"),
    ],
)
def test_a_bad_client_port_is_refused(port, words):
    r = role({**ANON, "ZOO_PORT_NUMBER": port})
    assert (
        r.entrypoint_error
        == f"An invalid port was specified in the environment variable ZOO_PORT_NUMBER: {words}"
    )


def test_client_port_and_metrics_port_must_differ():
    r = role({**ANON, "ZOO_PORT_NUMBER": "7000"})
    assert (
        r.entrypoint_error
        == "ZOO_PORT_NUMBER and ZOO_PROMETHEUS_METRICS_PORT_NUMBER are bound to the same port"
    )


def test_a_positional_entry_with_a_client_port_is_refused():
    """`zoo1:2888:3888;2181`: the `;` splits it, and `2181` alone is no server."""
    r = role({**ANON, "ZOO_SERVERS": "zoo1:2888:3888;2181,zoo2:2888:3888;2181"})
    assert r.entrypoint_error == (
        "Zookeeper server 2181 should follow the next syntax: host:port:port. Example: zookeeper:2888:3888 "
        "zookeeper:2888:3888:observer / Zookeeper server 2181 should follow the next syntax: host:port:port. "
        "Example: zookeeper:2888:3888 zookeeper:2888:3888:observer"
    )


def test_with_one_double_colon_every_entry_needs_an_id():
    r = role({**ANON, "ZOO_SERVERS": "zoo1:2888:3888::1,zoo2:2888:3888"})
    assert r.entrypoint_error == (
        "Zookeeper server zoo2:2888:3888 should follow the next syntax: host:port:port::id. Example: "
        "zookeeper:2888:3888::1 zookeeper:2888:3888:observer::1"
    )


def test_every_error_is_kept_in_the_scripts_order():
    r = role({"ZOO_PORT_NUMBER": "80", "ZOO_PEER_TYPE": "voter"})
    assert r.entrypoint_error is not None
    assert r.entrypoint_error.split(" / ") == [
        "An invalid port was specified in the environment variable ZOO_PORT_NUMBER: "
        "privileged port requested",
        ANON_ERROR,
        "The ZOO_PEER_TYPE environment voter should be one of [observer/participant]",
    ]


def test_server_n_lines_pass_the_check_and_never_serve():
    """The host part of the check is `[^[:space:]]+`, so `server.1=zoo1:2888:3888` passes and is
    written as `server.1=server.1=zoo1:2888:3888;2181`; ZooKeeper 3.8 (measured here) cannot
    resolve `server.1=zoo1` and stays LOOKING."""
    r = role({**ANON, "ZOO_SERVERS": "server.1=zoo1:2888:3888 server.2=zoo2:2888:3888"})
    assert r.servers == {} and r.entrypoint_error is not None
    assert "Exception while listening to address server.1=zoo1/<unresolved>:3888" in r.entrypoint_error


def test_an_id_outside_the_list_stops_zookeeper():
    r = role({**ANON, "ZOO_SERVER_ID": "4", "ZOO_SERVERS": THREE})
    assert r.entrypoint_error == "My id 4 not in the peer list (ZooKeeper exits)"


# --- the README's ensemble: each member names its own line 0.0.0.0 ---

ZK = """
  zookeeper{i}:
    image: bitnami/zookeeper:3.8
    environment:
      - ALLOW_ANONYMOUS_LOGIN={anon}
      - ZOO_SERVER_ID={sid}
      - ZOO_SERVERS={servers}
"""
KAFKA = """
  kafka{i}:
    image: bitnami/kafka:3.4
    environment:
      - ALLOW_PLAINTEXT_LISTENER=yes
      - KAFKA_CFG_ZOOKEEPER_CONNECT=zookeeper1:2181,zookeeper2:2181,zookeeper3:2181
      - KAFKA_BROKER_ID={i}
      - KAFKA_CFG_ZOOKEEPER_CONNECTION_TIMEOUT_MS=4000
"""


def readme_ensemble(tmp_path, anon: str = "yes", listen_all: str | None = None):
    """Bitnami README's ensemble with explicit ids (2, 4, 6), every member's own line 0.0.0.0, and
    two Bitnami Kafka brokers in ZooKeeper mode knowing all three."""
    ids = {1: 2, 2: 4, 3: 6}
    text = "services:"
    for i, sid in ids.items():
        entries = [f"{'0.0.0.0' if j == i else f'zookeeper{j}'}:2888:3888::{ids[j]}" for j in ids]
        text += ZK.format(i=i, anon=anon, sid=sid, servers=",".join(entries))
        if listen_all:
            text += f"      - ZOO_LISTEN_ALLIPS_ENABLED={listen_all}\n"
    text += "".join(KAFKA.format(i=i) for i in (1, 2))
    path = tmp_path / "docker-compose.yml"
    path.write_text(text)
    return path


def test_predict_the_readme_ensemble_is_one_quorum(tmp_path):
    lab = compose_lab(readme_ensemble(tmp_path), ComposeOptions(project="bzkpredict", lan_ip=None))
    zk = lab.topology.nodes["zookeeper2"].zookeeper
    assert zk is not None and zk.server_id == 4
    assert zk.servers == {
        2: "zookeeper1:2888:3888;2181",
        4: "0.0.0.0:2888:3888;2181",
        6: "zookeeper3:2888:3888;2181",
    }
    serving = {z.node: z.serving for z in world_of(lab.topology).zookeepers}
    assert serving == {"zookeeper1": True, "zookeeper2": True, "zookeeper3": True}
    rows = {f"{v.from_node} -> {v.to}": v.ok for v in predicted_report(lab.topology).verdicts}
    assert rows["kafka1 -> zookeeper3:2181"] and rows["kafka2 -> zookeeper1:2181"]
    assert all(rows.values()), rows


def test_predict_without_anonymous_login_no_zookeeper_and_no_broker(tmp_path):
    lab = compose_lab(readme_ensemble(tmp_path, anon="no"), ComposeOptions(project="bzkpredict", lan_ip=None))
    assert all(lab.topology.nodes[f"zookeeper{i}"].zookeeper is None for i in (1, 2, 3))
    assert sum(ANON_ERROR in n for n in lab.notes) == 3
    report = predicted_report(lab.topology)
    starts = [v for v, k in zip(report.verdicts, report.kinds, strict=True) if k == "start"]
    assert starts and not any(v.ok for v in starts)  # the brokers time out connecting, as Kafka does
    # the ZooKeeper containers stopped (Docker stops a container with its main process): no client
    # rows from them; a client container on their network asks instead
    assert {v.from_node for v, k in zip(report.verdicts, report.kinds, strict=True) if k == "client"} == {
        "client-bzkpredict-default"
    }


def test_a_member_that_never_serves_still_runs_clients(tmp_path):
    """The server.N= form: the container keeps running (ZooKeeper retries), it just never serves."""
    path = tmp_path / "docker-compose.yml"
    path.write_text(
        "services:\n  zk:\n    image: bitnami/zookeeper:3.8\n    environment:\n"
        "      ALLOW_ANONYMOUS_LOGIN: 'yes'\n"
        "      ZOO_SERVERS: server.1=zk:2888:3888 server.2=zk2:2888:3888\n"
        + KAFKA.format(i=1).replace("zookeeper1:2181,zookeeper2:2181,zookeeper3:2181", "zk:2181")
    )
    lab = compose_lab(path, ComposeOptions(project="bzkpredict", lan_ip=None))
    assert lab.topology.nodes["zk"].zookeeper is None
    report = predicted_report(lab.topology)
    rows = {f"{v.from_node} -> {v.to}": v for v in report.verdicts}
    assert "zk -> kafka1:9092" in rows and not rows["kafka1 -> PLAINTEXT://:9092"].ok


@pytest.mark.root
@pytest.mark.slow
def test_live_without_anonymous_login_the_brokers_time_out_as_predicted(tmp_path):
    """No ZooKeeper runs; both brokers exit with Kafka's ZooKeeperClientTimeoutException, live as
    predicted."""
    from netlab import lab as labapi
    from netlab.compose.topology_out import to_yaml
    from netlab.kafka.lab_report import broker_logs, live_report
    from netlab.lab.brokers import wait_started
    from netlab.plan import compile_plan
    from netlab.resources import Namespace

    lab = compose_lab(readme_ensemble(tmp_path, anon="no"), ComposeOptions(project="bzkrefuse", lan_ip=None))
    plan = compile_plan(lab.topology)
    labapi.apply(plan, topology_text=to_yaml(lab.translation, ["bitnami zookeeper refusal test"]))
    try:
        started = {b.node: b for b in wait_started(plan.lab, timeout=20)}
        assert {n: b.state for n, b in started.items()} == {"kafka1": "failed", "kafka2": "failed"}, started
        assert all("ZooKeeperClientTimeoutException" in (b.error or "") for b in started.values()), started
        prefixes = {s.node: ["ip", "netns", "exec", s.netns] for s in plan.of_kind(Namespace)}
        report = live_report(plan.lab, lab.topology, prefixes, broker_logs(plan.lab, lab.topology), timeout=4)
        assert report.disagreements() == [], report.disagreements()
        assert report.verdicts and not any(v.ok for v in report.verdicts)
    finally:
        labapi.destroy(plan.lab)


@pytest.mark.root
@pytest.mark.slow
def test_live_the_readme_ensemble_forms_a_quorum_and_the_brokers_register(tmp_path):
    from support import ZK_MODE_CLIENT_TIMEOUT
    from zk_words import four_letter, mode, quorum_shape, srvr_once_formed

    from netlab import lab as labapi
    from netlab.compose.topology_out import to_yaml
    from netlab.kafka.lab_report import broker_logs, live_report
    from netlab.lab.brokers import wait_started
    from netlab.plan import compile_plan
    from netlab.resources import Namespace

    lab = compose_lab(readme_ensemble(tmp_path), ComposeOptions(project="bzklive", lan_ip=None))
    plan = compile_plan(lab.topology)
    labapi.apply(plan, topology_text=to_yaml(lab.translation, ["bitnami zookeeper ensemble test"]))
    try:
        started = {b.node: b for b in wait_started(plan.lab, timeout=20)}
        assert {n: b.state for n, b in started.items()} == {"kafka1": "started", "kafka2": "started"}, started
        netns = {s.node: s.netns for s in plan.of_kind(Namespace)}
        members = ["zookeeper1", "zookeeper2", "zookeeper3"]
        # the first member may join a moment after `up` (zk_words.py)
        srvr = srvr_once_formed({n: (netns[n], 2181) for n in members}, [members])
        assert quorum_shape([mode(a) for a in srvr.values()]), srvr
        mntr = {n: four_letter(netns[n], "mntr") for n in srvr}
        assert {n: mode(a) for n, a in mntr.items()} == {n: mode(a) for n, a in srvr.items()}, mntr
        leader = next(n for n, a in mntr.items() if mode(a) == "leader")
        assert "zk_synced_followers\t2" in mntr[leader], mntr[leader]  # both others follow it
        # `stat` is not in bitnami's 4lw whitelist (srvr, mntr): ZooKeeper refuses it, as in the image
        assert "is not executed because it is not in the whitelist" in four_letter(netns[leader], "stat")
        prefixes = {n: ["ip", "netns", "exec", ns] for n, ns in netns.items()}
        logs = broker_logs(plan.lab, lab.topology)
        report = live_report(plan.lab, lab.topology, prefixes, logs, timeout=ZK_MODE_CLIENT_TIMEOUT)
        assert report.disagreements() == [], report.disagreements()
        assert all(v.ok for v in report.verdicts), [v for v in report.verdicts if not v.ok]
    finally:
        labapi.destroy(plan.lab)


def _own_alias_file(tmp_path, listen_all: str) -> object:
    """zookeeper1 names its own line `zk1a`, its alias on network `a` only; zookeeper2 and 3 know it
    as zookeeper1 on network `b`. Without quorumListenOnAllIPs it binds its quorum and election
    ports on its `a` address, where the others never connect."""
    lines = {1: "zookeeper1", 2: "zookeeper2", 3: "zookeeper3"}
    text = "services:\n"
    for i in (1, 2, 3):
        own = {**lines, 1: "zk1a"} if i == 1 else lines
        nets = "      a:\n        aliases: [zk1a]\n      b: {}\n" if i == 1 else "      b: {}\n"
        text += (
            f"  zookeeper{i}:\n    image: bitnami/zookeeper:3.8\n    networks:\n{nets}    environment:\n"
            f"      ALLOW_ANONYMOUS_LOGIN: 'yes'\n      ZOO_SERVER_ID: {i}\n"
            f"      ZOO_LISTEN_ALLIPS_ENABLED: '{listen_all}'\n"
            f"      ZOO_SERVERS: {','.join(f'{own[j]}:2888:3888' for j in (1, 2, 3))}\n"
        )
    text += "networks:\n  a: {}\n  b: {}\n"
    path = tmp_path / "docker-compose.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("listen_all, zk1_serves", [("no", False), ("yes", True)])
def test_predict_zoo_listen_allips_enabled(tmp_path, listen_all, zk1_serves):
    """ZOO_LISTEN_ALLIPS_ENABLED -> quorumListenOnAllIPs: with it, the member binds every address."""
    lab = compose_lab(_own_alias_file(tmp_path, listen_all), ComposeOptions(project="bzkallips", lan_ip=None))
    serving = {z.node: z.serving for z in world_of(lab.topology).zookeepers}
    assert serving == {"zookeeper1": zk1_serves, "zookeeper2": True, "zookeeper3": True}
