"""The pure verbs as a user runs them: validate, schema, graph (exit codes 0 / 2, --json)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from netlab.topology import DEFAULT_TOPOLOGY

EXAMPLES = DEFAULT_TOPOLOGY.parent / "examples"
TOPOLOGIES = DEFAULT_TOPOLOGY.parent


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = " ".join(stderr.split())  # rich wraps long lines; compare the words


@pytest.fixture
def netlab(capsys, monkeypatch):
    """Run the CLI in-process through netlab.cli.main (its exit-code mapping included)."""
    from netlab.cli import main

    def run(*args: str) -> Result:
        monkeypatch.setattr(sys, "argv", ["netlab", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return run


def test_validate_default_from_any_directory_as_a_real_process(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "netlab", "validate", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["valid"] and info["lab"] == "default" and info["source"] == str(DEFAULT_TOPOLOGY)
    assert info["nodes"]["broker"]["networks"]["kafka-net"]["address"] == "10.5.0.3"
    assert info["requires"] == ["bridge", "netns", "veth"]


def test_validate_prints_a_summary(netlab):
    result = netlab("validate", str(EXAMPLES / "p2p-routes.yaml"))
    assert result.returncode == 0, result.stderr
    assert "valid: lab p2p" in result.stdout
    assert "veth: r1:eth1 10.0.12.1/30 -- r2:eth1 10.0.12.2/30" in result.stdout


def test_validate_bad_file_exits_2_with_the_location(netlab, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("lab: t\nnodes:\n  a:\n    networkz: [n]\n")
    result = netlab("validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}:4: nodes.a.networkz" in result.stderr
    result = netlab("validate", "--json", str(bad))
    assert result.returncode == 2
    error = json.loads(result.stdout)
    assert error["valid"] is False and error["where"] == f"{bad}:4: nodes.a.networkz"
    assert "did you mean 'networks'" in error["error"]


def test_validate_missing_file_exits_2(netlab, tmp_path):
    result = netlab("validate", str(tmp_path / "none.yaml"))
    assert result.returncode == 2 and "no such file" in result.stderr


def test_schema_is_valid_json_schema_that_accepts_every_example(netlab):
    try:
        import jsonschema
    except ImportError:
        import support

        support.not_runnable_here("jsonschema is not installed (test dependency: pip install jsonschema)")
    import yaml

    result = netlab("schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in [DEFAULT_TOPOLOGY, *sorted(EXAMPLES.glob("*.yaml"))]:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert errors == [], f"{path.name}: {errors}"
    # and it rejects what the loader rejects: a typo'd field
    bad = yaml.safe_load(DEFAULT_TOPOLOGY.read_text())
    bad["nodes"]["broker"]["prots"] = ["1:1"]
    assert list(validator.iter_errors(bad))


def test_graph_formats_and_bad_format(netlab):
    mermaid = netlab("graph")
    assert mermaid.returncode == 0 and mermaid.stdout.startswith("flowchart LR\n")
    dot = netlab("graph", str(EXAMPLES / "tap-vm.yaml"), "--format", "dot")
    assert dot.returncode == 0 and dot.stdout.startswith('graph "tapvm" {')
    as_json = netlab("graph", "--json")
    assert json.loads(as_json.stdout)["lab"] == "default"
    bad = netlab("graph", "--format", "gif")
    assert bad.returncode == 2 and "valid: mermaid, dot, json, svg, png" in bad.stderr


def test_graph_svg_and_png_drawn_by_graphviz(netlab, tmp_path):
    import shutil

    import support

    if shutil.which("dot") is None:
        support.not_runnable_here("graphviz `dot` is not installed (apt-get install graphviz)")
    svg = netlab("graph", str(TOPOLOGIES / "02-five-brokers.yaml"), "--format", "svg")
    assert svg.returncode == 0 and "<svg" in svg.stdout
    from xml.etree import ElementTree

    texts = [el.text for el in ElementTree.fromstring(svg.stdout.encode()).iter() if el.text]
    for text in ("kafka-networks", "10.5.0.0/16", "bridge br-kafka", "broker-5", "eth0 10.5.0.15"):
        assert text in texts, text  # networks as bridges, links with addresses
    assert "publishes 9095:9095/tcp via host" in texts
    assert "Kafka CONTROLLER 0.0.0.0:29093" in texts  # a listener per line
    png = netlab("graph", "--format", "png", "-o", str(tmp_path / "lab.png"))
    assert png.returncode == 0, png.stderr
    assert (tmp_path / "lab.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_graph_of_a_lab_that_is_not_up_exits_2(netlab):
    result = netlab("graph", "--lab", "nolabcalledthis")
    assert result.returncode == 2 and "no lab named 'nolabcalledthis' is up" in result.stderr
    both = netlab("graph", str(DEFAULT_TOPOLOGY), "--lab", "x")
    assert both.returncode == 2 and "not both" in both.stderr
