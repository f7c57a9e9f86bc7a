"""The real-world compose files of tests/compose/corpus (SOURCES.md): `netlab predict` gives the
verdicts recorded in expected.yaml, and `netlab import compose` round-trips (the written topology,
loaded as a topology file, predicts the same rows)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netlab.compose import ComposeOptions, compose_lab
from netlab.compose.topology_out import to_yaml
from netlab.kafka.lab_report import predicted_report
from netlab.topology import loads_topology

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
EXPECTED = yaml.safe_load((HERE / "expected.yaml").read_text())
FILES = sorted(EXPECTED)


def options(name: str) -> ComposeOptions:
    env = EXPECTED[name].get("env_file")
    return ComposeOptions(project="corpus", env_file=str(CORPUS / env) if env else None)


def rows_of(report) -> dict[str, str]:
    return {f"{v.from_node} -> {v.to}": ("ok" if v.ok else v.cause) for v in report.verdicts}


def test_corpus_is_complete():
    on_disk = sorted(p.name for p in CORPUS.glob("*.yml"))
    assert on_disk == FILES
    assert len(FILES) >= 15
    sources = (HERE / "SOURCES.md").read_text()
    for name in FILES:
        assert f"`{name}`" in sources, f"{name} has no source in SOURCES.md"


@pytest.mark.parametrize("name", FILES)
def test_predict_gives_the_recorded_verdicts(name):
    lab = compose_lab(CORPUS / name, options(name))
    report = predicted_report(lab.topology)
    assert rows_of(report) == (EXPECTED[name]["rows"] or {})
    exits = {s: r.entrypoint_error for s, r in lab.translation.roles.items() if r.entrypoint_error}
    assert exits == (EXPECTED[name].get("exits") or {})
    for v in report.verdicts:
        if not v.ok:
            assert v.reason, v  # every ✗ says why
    assert predicted_quorums(lab.topology) == (EXPECTED[name].get("ensembles") or [])


def predicted_quorums(topology) -> list[list[str]]:
    """The ZooKeeper ensembles' members predicted to serve (a quorum formed), per ensemble."""
    from netlab.kafka.lab_report import world_of
    from netlab.zookeeper import ensemble_members

    serving = {z.node for z in world_of(topology).zookeepers if z.serving and z.servers}
    groups = {
        tuple(ensemble_members(topology, n))
        for n, s in topology.nodes.items()
        if s.zookeeper and s.zookeeper.ensemble
    }
    return sorted([n for n in g if n in serving] for g in groups)


@pytest.mark.parametrize("name", FILES)
def test_import_round_trips(name):
    lab = compose_lab(CORPUS / name, options(name))
    text = to_yaml(lab.translation, ["round trip"])
    again = loads_topology(text, f"{name}.lab.yaml").topology
    assert again.model_dump() == lab.topology.model_dump()
    assert rows_of(predicted_report(again)) == rows_of(predicted_report(lab.topology))
    derived = [line for line in text.splitlines() if "  # " in line]
    assert derived, "derived lines carry comments"


def _apply(path: Path, change, tmp: Path) -> Path:
    """Write the change into a copy of the compose file, the way a user would edit it."""
    data = yaml.safe_load(path.read_text())
    svc = data["services"][change.service]
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    env.update(change.env)
    svc["environment"] = env
    svc["ports"] = list(svc.get("ports") or []) + [f"{p.published}:{p.target}" for p in change.ports]
    out = tmp / path.parent.name / path.name
    out.parent.mkdir(exist_ok=True)
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


@pytest.mark.parametrize(
    "name",
    ["conduktor-zk-single-kafka-single.yml", "bitnami-kafka-3.7-single.yml", "cp-all-in-one-community.yml"],
)
def test_every_offered_fix_works_when_written_into_the_compose_file(name, tmp_path):
    from netlab.compose.fixes import fixes_for

    opts = options(name)
    lab = compose_lab(CORPUS / name, opts)
    report = predicted_report(lab.topology)
    fixes = fixes_for(CORPUS / name, opts, lab, report)
    failing = [
        (v, c)
        for v, k, c in zip(report.verdicts, report.kinds, fixes.changes, strict=True)
        if k == "client" and not v.ok
    ]
    assert failing and all(c is not None for _, c in failing), fixes.lines
    for v, change in failing:
        edited = _apply(CORPUS / name, change, tmp_path)
        if opts.env_file is None and (CORPUS / ".env").exists():
            raise AssertionError("corpus has a .env")
        again = compose_lab(edited, opts)
        rows = {(w.from_node, w.to): w.ok for w in predicted_report(again.topology).verdicts}
        target = (v.from_node, change.bootstrap or v.to)
        assert rows.get(target) is True, (v.from_node, v.to, change.describe())
        before = {(w.from_node, w.to) for w in report.verdicts if w.ok}
        assert all(rows.get(k, True) for k in before), change.describe()
