"""The verbs as a user runs them: exit codes (0 ok, 1 lab failure, 2 bad input), exec/shell
semantics (node hostname, node hosts file, exit code), status, missing kernel features."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from labtools import EXAMPLES, NETLAB, REPO, leftovers, run_cli

from netlab.kernel import nsfs

pytestmark = pytest.mark.root


def _topology(tmp_path, lab: str, extra_node: str = "") -> str:
    path = tmp_path / f"{lab}.yaml"
    path.write_text(
        f"lab: {lab}\nnodes:\n  host: {{}}\n  web: {{networks: [front], ports: ['18080:80']}}\n"
        f"  cli: {{networks: [front]}}\n{extra_node}"
        "networks:\n  front: {subnet: 10.63.0.0/24, gateway: 10.63.0.1}\n"
    )
    return str(path)


def test_not_root_is_bad_input_and_creates_nothing(tmp_path, lab_name):
    topo = _topology(tmp_path, lab_name)
    if shutil.which("setpriv"):
        as_nobody = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *NETLAB, "up", topo],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={"COLUMNS": "300", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
        assert as_nobody.returncode == 2 and "must run as root" in as_nobody.stderr, as_nobody.stderr
    pretend = run_cli("up", topo, env={"NETLAB_PRETEND_NOT_ROOT": "1"})
    assert pretend.returncode == 2 and "must run as root" in pretend.stderr
    for verb in (["down", lab_name], ["exec", lab_name, "web", "--", "true"], ["shell", lab_name, "web"]):
        assert run_cli(*verb, env={"NETLAB_PRETEND_NOT_ROOT": "1"}).returncode == 2, verb
    dry = run_cli("up", "--dry-run", topo, env={"NETLAB_PRETEND_NOT_ROOT": "1"})
    assert dry.returncode == 0 and "web" in dry.stdout  # a dry run needs no root
    assert leftovers(lab_name) == []


def test_up_status_exec_down_round_trip(tmp_path, lab_name):
    topo = _topology(tmp_path, lab_name)
    up = run_cli("up", "--json", topo)
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout.splitlines()[-1])["nodes"] == 3
    try:
        again = run_cli("up", topo)
        assert again.returncode == 2 and f"netlab down {lab_name}" in again.stderr
        listing = json.loads(run_cli("status", "--json").stdout)
        assert any(row["lab"] == lab_name and row["nodes"] == 3 for row in listing["labs"])
        st = json.loads(run_cli("status", lab_name, "--json").stdout)
        web = next(n for n in st["nodes"] if n["node"] == "web")
        eth0 = next(i for i in web["interfaces"] if i["name"] == "eth0")
        assert (
            eth0["network"] == "front"
            and eth0["state"] == "up"
            and any(a.startswith("10.63.0.") for a in eth0["addresses"])
        )
        bridge = st["bridges"][0]
        assert bridge["node"] == "host" and bridge["network"] == "front" and len(bridge["ports"]) == 2
        assert "10.63.0.1/24" in bridge["addresses"]
        proxy = st["processes"][0]
        assert proxy["role"] == "port-proxy" and proxy["state"] == "running" and proxy["pid"]
        assert run_cli("status", lab_name).returncode == 0

        hn = run_cli("exec", lab_name, "web", "--", "hostname")
        assert hn.returncode == 0 and hn.stdout.strip() == "web"
        hosts = run_cli("exec", lab_name, "cli", "--", "cat", "/etc/hosts")
        assert "web" in hosts.stdout and "cli" in hosts.stdout
        assert run_cli("exec", lab_name, "cli", "--", "sh", "-c", "exit 7").returncode == 7
        unknown = (
            run_cli("getent", "x")
            if False
            else run_cli("exec", lab_name, "cli", "--", "getent", "hosts", "nosuchname")
        )
        assert unknown.returncode == 2  # getent: not found, from files only
        assert run_cli("exec", lab_name, "nosuchnode", "--", "true").returncode == 2
        assert run_cli("exec", "nosuchlab", "web", "--", "true").returncode == 2
        assert run_cli("status", "nosuchlab").returncode == 2

        sh = subprocess.run(
            [*NETLAB, "shell", lab_name, "web"],
            input="hostname\nexit 5\n",
            capture_output=True,
            text=True,
            cwd=REPO,
            env={"COLUMNS": "300", "SHELL": "/bin/bash", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
            timeout=20,
        )
        assert sh.returncode == 5 and "web" in sh.stdout, sh.stdout + sh.stderr
    finally:
        down = run_cli("down", lab_name)
    assert down.returncode == 0, down.stderr
    assert leftovers(lab_name) == []
    assert run_cli("down", lab_name).returncode == 0  # idempotent


def test_bad_input_exit_codes(tmp_path):
    assert run_cli("up", str(tmp_path / "missing.yaml")).returncode == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("lab: x\nnodes: [\n")
    assert run_cli("up", str(bad)).returncode == 2
    assert run_cli("down", "Bad/Name").returncode == 2
    assert run_cli("down").returncode == 2
    assert run_cli("down", "x", "--all").returncode == 2
    assert run_cli("exec", "x", "y").returncode == 2


@pytest.mark.parametrize("example,feature", [("needs-vlan.yaml", "vlan"), ("needs-netem.yaml", "netem")])
def test_missing_kernel_feature_fails_before_anything_is_created(example, feature):
    from netlab.kernel.probes import missing_features

    if feature not in missing_features([feature]):
        pytest.skip(f"this kernel has {feature}; the up-front refusal cannot be shown here")
    lab = next(
        line.split(":", 1)[1].strip()
        for line in (EXAMPLES / example).read_text().splitlines()
        if line.startswith("lab:")
    )
    probes = lambda: {n for n in nsfs.list_names() if n.startswith("netlab-probe-")}  # noqa: E731
    before = probes()
    result = run_cli("up", str(EXAMPLES / example))
    assert result.returncode == 1
    assert f"lacks '{feature}'" in result.stderr and "nothing was created" in result.stderr
    assert leftovers(lab) == []
    # not even the probe's scratch namespace (netlab-probe-<pid>-<n>) is left; tests running beside
    # this one probe too, so only a new one whose process has ended and that still exists counts
    left = [n for n in probes() - before if not os.path.exists(f"/proc/{n.split('-')[2]}")]
    assert [n for n in left if nsfs.exists(n)] == []
