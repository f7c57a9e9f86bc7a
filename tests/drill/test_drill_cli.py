"""`netlab drill` as a user runs it (the real console script, in a subprocess): bad input gets a
clear message and exit 2 and loses nothing; the progress file is written atomically."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import NOT_RUN_PREFIX

from netlab.drill import progress as progress_module
from netlab.drill.labs import lab_topology_path
from netlab.drill.progress import CorruptProgress, Progress, exclusive, load_progress, save_progress
from netlab.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
DRILL = "localhost_to_container"  # one-broker drill, the cheapest to build


def netlab(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_DATA_HOME=str(home), PYTHONPATH=str(ROOT), COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "netlab", "drill", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_list_json_shape(tmp_path):
    cp = netlab(tmp_path, "list", "--json")
    assert cp.returncode == 0, cp.stderr
    rows = json.loads(cp.stdout)
    assert len(rows) >= 15
    for r in rows:
        assert {"id", "title", "difficulty", "state"} <= set(r)
        assert r["state"] == "new" and r["difficulty"] in (1, 2, 3)


def test_unknown_drill_id(tmp_path):
    cp = netlab(tmp_path, "start", "no_such_drill")
    assert cp.returncode == 2
    assert "no drill 'no_such_drill'" in cp.stderr and DRILL in cp.stderr
    assert not (tmp_path / "netlab" / "drills.json").exists()  # nothing recorded


@pytest.mark.parametrize("verb", ["check", "hint", "solution", "reset", "stop", "apply"])
def test_no_drill_running(tmp_path, verb):
    if verb in ("check", "reset", "stop", "apply") and os.geteuid() != 0:
        pytest.skip(f"{NOT_RUN_PREFIX}needs root (the verb checks for root first)")
    cp = netlab(tmp_path, verb)
    assert cp.returncode == 2, (cp.stdout, cp.stderr)
    assert "no drill is running" in cp.stderr and "netlab drill start" in cp.stderr


def test_a_bad_lab_name_is_refused_before_anything(tmp_path):
    if os.geteuid() != 0:
        pytest.skip(f"{NOT_RUN_PREFIX}needs root (start checks for root first)")
    cp = netlab(tmp_path, "start", DRILL, "--lab", "no-dashes")
    assert cp.returncode == 2 and "--lab" in cp.stderr and "not a valid lab name" in cp.stderr, cp.stderr
    assert not (tmp_path / "netlab" / "drills.json").exists()  # nothing recorded, nothing built


def test_one_command_at_a_time_per_progress_file(tmp_path, monkeypatch):
    """A second command waits for the first (bounded), then says so: exit 2, nothing touched."""
    path = tmp_path / "netlab" / "drills.json"
    monkeypatch.setattr(progress_module, "LOCK_WAIT_S", 0.3)
    with exclusive(path):
        with pytest.raises(InputError) as exc, exclusive(path):
            pass
    assert exc.value.exit_code == 2 and "another netlab drill command" in str(exc.value)
    with exclusive(path):  # released: the next command runs
        pass
    assert not path.exists()


def test_corrupt_progress_is_set_aside_and_reported(tmp_path):
    path = tmp_path / "netlab" / "drills.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 1, "drills": {"x": ')  # torn by something else
    cp = netlab(tmp_path, "list")
    assert cp.returncode == 2
    assert "set aside" in cp.stderr and str(path) in cp.stderr.replace("\n", "")
    aside = list(path.parent.glob("drills.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == '{"version": 1, "drills": {"x": '  # nothing lost
    cp = netlab(tmp_path, "list", "--json")
    assert cp.returncode == 0  # and the next command starts afresh


@pytest.mark.parametrize(
    "content", ["[]", '{"version": 99, "drills": {}}', '{"version": 1, "drills": []}', "\x00\x01"]
)
def test_wrong_shapes_are_corrupt(tmp_path, content):
    path = tmp_path / "drills.json"
    path.write_text(content)
    with pytest.raises(CorruptProgress) as exc:
        load_progress(path)
    assert exc.value.exit_code == 2
    assert not path.exists() and len(list(tmp_path.glob("drills.json.corrupt-*"))) == 1


def test_an_unreadable_progress_file_is_reported_not_set_aside(tmp_path):
    path = tmp_path / "netlab" / "drills.json"
    path.mkdir(parents=True)  # not a file: reading it fails, but it is not "corrupt progress"
    cp = netlab(tmp_path, "list")
    assert cp.returncode == 2 and "cannot read the drill progress file" in cp.stderr, cp.stderr
    assert path.is_dir() and not list(path.parent.glob("drills.json.corrupt-*"))  # nothing moved


def test_atomic_save_roundtrip(tmp_path):
    path = tmp_path / "netlab" / "drills.json"
    p = Progress()
    p.record("a")["attempts"] = 3
    p.current = {"id": "a", "seed": 1, "lab": "a"}
    save_progress(p, path)
    save_progress(p, path)
    assert [f.name for f in path.parent.iterdir()] == ["drills.json"]  # no temporary left behind
    back = load_progress(path)
    assert back.drills["a"]["attempts"] == 3 and back.current["seed"] == 1


@pytest.mark.root
@pytest.mark.slow
def test_lab_removed_behind_netlabs_back_and_one_drill_at_a_time(tmp_path):
    cp = netlab(tmp_path, "start", DRILL, "--seed", "2")
    assert cp.returncode == 0, cp.stderr
    try:
        assert "seed 2" in cp.stdout and "--seed 2" in cp.stdout
        other = netlab(tmp_path, "start", "advertised_wildcard")
        assert other.returncode == 2 and f"drill {DRILL} (seed 2) is running" in other.stderr
        # another user (another progress file) starting the same drill: its lab is taken, so it
        # is told to name its own, and with --lab both runs coexist
        someone = tmp_path / "someone"
        taken = netlab(someone, "start", DRILL, "--seed", "2")
        assert taken.returncode == 2 and "--lab" in taken.stderr and "already up" in taken.stderr
        assert not (someone / "netlab" / "drills.json").exists()
        own = netlab(someone, "start", DRILL, "--seed", "2", "--lab", "drillscli2")
        assert own.returncode == 0, own.stderr
        assert "the lab is drillscli2" in own.stdout and "--lab drillscli2" in own.stdout
        assert json.loads((someone / "netlab" / "drills.json").read_text())["current"]["lab"] == "drillscli2"
        assert netlab(someone, "stop").returncode == 0
        assert not lab_topology_path("drillscli2").parent.exists()
        assert lab_topology_path(DRILL).exists()  # the first run's lab is untouched
        # a bad edit of the drill's topology file is refused, the lab stays as it was
        lab_file = lab_topology_path(DRILL)
        good = lab_file.read_text()
        lab_file.write_text(good.replace("nodes:", "nodes: [", 1))
        bad = netlab(tmp_path, "apply")
        assert bad.returncode == 2 and "topology.yaml" in bad.stderr
        assert (lab_file.parent / "plan.json").exists()
        edited = netlab(tmp_path, "check")
        assert edited.returncode == 2 and "edited but not applied" in edited.stderr
        lab_file.write_text(good)
        down = subprocess.run(
            [sys.executable, "-m", "netlab", "down", DRILL],
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert down.returncode == 0, down.stderr
        gone = netlab(tmp_path, "check")
        assert gone.returncode == 2
        assert "not up" in gone.stderr and "netlab drill reset" in gone.stderr
        before = json.loads((tmp_path / "netlab" / "drills.json").read_text())
        assert before["current"]["id"] == DRILL  # nothing lost
        reset = netlab(tmp_path, "reset")
        assert reset.returncode == 0, reset.stderr
        nowhere = netlab(tmp_path, "check", "--html", str(tmp_path / "no" / "drill.html"))
        assert nowhere.returncode == 2 and "--html: cannot write" in nowhere.stderr, nowhere.stderr
        page = tmp_path / "drill.html"
        check = netlab(tmp_path, "check", "--json", "--html", str(page))
        assert check.returncode == 1
        out = json.loads(check.stdout)
        assert out["solved"] is False and any(not r["ok"] for r in out["rows"])
        text = page.read_text()
        assert "<svg" in text and "not solved yet" in text
        assert "e.g. " not in text  # the page shows symptoms, never netlab's suggested values
        assert {"from", "to", "ok", "stage", "cause", "reason", "client_error", "kind", "expect"} <= set(
            out["rows"][0]
        )
        hints = [netlab(tmp_path, "hint") for _ in range(4)]
        assert [h.returncode for h in hints] == [0, 0, 0, 0]
        assert "hint 3/3" in hints[3].stdout
        listed = json.loads(netlab(tmp_path, "list", "--json").stdout)
        me = next(r for r in listed if r["id"] == DRILL)
        assert me["state"] == "started" and me["hints_used"] == 3 and me["attempts"] == 1
    finally:
        stop = netlab(tmp_path, "stop")
    assert stop.returncode == 0, stop.stderr
    assert not (lab_file.parent).exists()
