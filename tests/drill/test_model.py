"""The drill format: a bad drill directory is refused with the file and field named; variants
render every parameter; the judge's sentence stops before netlab's remedy."""

from __future__ import annotations

import shutil

import pytest

from netlab.drill.catalog import DRILLS_DIR, get_drill
from netlab.drill.judge import diagnosis, listener_names
from netlab.drill.model import load_drill
from netlab.errors import InputError


@pytest.fixture
def drill_dir(tmp_path):
    d = tmp_path / "localhost_to_container"
    shutil.copytree(DRILLS_DIR / "localhost_to_container", d)
    return d


def test_a_copy_loads(drill_dir):
    assert load_drill(drill_dir).variant(5).params["lab"] == "localhost_to_container"


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("difficulty: 1", "difficulty: 4", "difficulty is 1, 2 or 3"),
        ('  - "Compare', '  - ""\n  - "Compare', "three hints"),
        ("  complaint: 2\n", "", "story.complaint"),
        ("  cause: advertised_refused", "  reason: x", "rule.cause"),
        ("  - network_unchanged", "  - no_such_rule", "kinds are"),
        ("title:", "title: [", "not valid YAML"),
        ("difficulty: 1", "difficulty: easy", "`difficulty` is required here: a number"),
        ("params:", "pick: {x: 3}\nparams:", "pick.x is a mapping with by, over, chosen and other"),
    ],
)
def test_bad_drill_files_are_located(drill_dir, old, new, says):
    f = drill_dir / "drill.yaml"
    f.write_text(f.read_text().replace(old, new, 1))
    with pytest.raises(InputError) as exc:
        load_drill(drill_dir)
    assert says in str(exc.value) and "drill.yaml" in str(exc.value)


def test_unknown_parameter_in_template(drill_dir):
    f = drill_dir / "topology.yaml"
    f.write_text(f.read_text() + "# ${nope}\n")
    with pytest.raises(InputError) as exc:
        load_drill(drill_dir).variant(1)
    assert "nope" in str(exc.value) and "topology.yaml" in str(exc.value)


def test_drill_id_must_be_a_lab_name(tmp_path, drill_dir):
    bad = tmp_path / "has-dash"
    shutil.copytree(drill_dir, bad)
    with pytest.raises(InputError, match="names the lab"):
        load_drill(bad)


def test_unknown_drill():
    with pytest.raises(InputError, match="no drill 'nope'"):
        get_drill("nope")


def test_pick_marks_one_item():
    d = get_drill("five_brokers_loopback")
    for seed in range(1, 20):
        p = d.draw(seed)
        binds = [p[f"ib_{i}"] for i in range(1, 6)]
        assert binds.count("127.0.0.1") == 1 and binds[int(p["bad"]) - 1] == "127.0.0.1"
    assert {d.draw(s)["bad"] for s in range(1, 40)} == {"1", "2", "3", "4", "5"}


def test_diagnosis_stops_before_the_remedy():
    s = (
        "bootstrap reached listener INTERNAL on broker, which advertises localhost:29092; refused — "
        "advertise an address app can reach (advertised.listeners=INTERNAL://...), e.g. broker:29092"
    )
    assert (
        diagnosis(s)
        == "bootstrap reached listener INTERNAL on broker, which advertises localhost:29092; refused"
    )
    link = "x refused — bind it to 0.0.0.0 (Kafka logs: Connection to node 1 could not be established.)"
    assert diagnosis(link) == "x refused (Kafka logs: Connection to node 1 could not be established.)"
    # the address that works is an answer too
    other = "10.5.0.3 is not reachable from mac (no route); mac can bootstrap from 192.168.64.2:9092"
    assert diagnosis(other) == "10.5.0.3 is not reachable from mac (no route)"


def test_listener_names():
    assert listener_names({"listeners": "INTERNAL://0.0.0.0:1, external://:2"}) == {"INTERNAL", "EXTERNAL"}
