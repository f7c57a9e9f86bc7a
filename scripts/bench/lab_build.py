#!/usr/bin/env python3
"""Build and tear down N container nodes three ways, side by side, and compare.

    sudo .venv/bin/python scripts/bench/lab_build.py --nodes 200 [--repeat 3] [--json]

The lab: a `host` namespace holding one bridge; N container namespaces, each with a veth
(eth0) to the bridge, an address, up. Built by
  (a) netlab — load + compile the topology, probe features, apply with journal (in-process,
      i.e. what `netlab up` does after the interpreter has started; `netlab_cli_up_s` is the
      whole CLI process for reference);
  (b) `ip -batch` — the same lab: one root batch (`netns add` ×N+1), one `ip -n host -batch`
      (bridge, veths with the peer straight into each container), one `ip -n cN -batch` per
      container (address, up, default route) and the same /etc/netns files as netlab writes;
  (c) Mininet 2.3.0 (Debian), LinuxBridge switch, no controller — run inside a scratch
      namespace so its switch lives there, never in the machine's root namespace.
Medians over --repeat runs; the kernel frees namespaces asynchronously, so every phase
starts after a short settle pause. With --json the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from netlab import lab as labapi  # noqa: E402
from netlab.kernel import nsfs  # noqa: E402
from netlab.kernel.worker import run_in_thread  # noqa: E402

SETTLE_S = 1.5
PREFIX = f"nlb{os.getpid()}"


def settle() -> None:
    time.sleep(SETTLE_S)


def machine_load() -> dict:
    """Load average and CPU pressure (PSI): other work on the machine shows up here."""
    out: dict = {"loadavg_1m": float(Path("/proc/loadavg").read_text().split()[0])}
    try:
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0].split()
        out["cpu_pressure_some_avg10"] = float(some[1].split("=")[1])
    except (OSError, IndexError, ValueError):
        pass
    return out


def topology_text(lab: str, n: int) -> str:
    nodes = "".join(f"  c{i}: {{networks: [net]}}\n" for i in range(n))
    return (
        f"lab: {lab}\nnodes:\n  host: {{}}\n{nodes}networks:\n"
        "  net: {node: host, bridge: br0, subnet: 10.128.0.0/16, gateway: 10.128.0.1}\n"
    )


def run_netlab(n: int, rep: int) -> tuple[float, float, float]:
    from netlab.plan import compile_plan
    from netlab.topology import loads_topology

    lab = f"{PREFIX}r{rep}"
    text = topology_text(lab, n)
    t0 = time.perf_counter()
    plan = compile_plan(loads_topology(text, f"<bench {n}>"))
    labapi.check_can_apply(plan)
    labapi.apply(plan, topology_text=text)
    up = time.perf_counter() - t0
    applied = len(plan.steps)
    t1 = time.perf_counter()
    labapi.destroy(lab)
    down = time.perf_counter() - t1
    return up, down, applied


def run_netlab_cli(n: int, workdir: Path) -> float:
    lab = f"{PREFIX}cli"
    topo = workdir / "cli.yaml"
    topo.write_text(topology_text(lab, n))
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "netlab", "up", "--json", str(topo)], check=True, capture_output=True
    )
    up = time.perf_counter() - t0
    labapi.destroy(lab)
    return up


def run_ipbatch(n: int, rep: int, workdir: Path) -> tuple[float, float]:
    """The same lab as netlab's (same addresses, default routes, hosts files), as `ip -batch`
    scripts; the /etc/netns files are written in-process (the cheapest way a script could)."""
    from netlab.kernel import hostsfiles
    from netlab.plan import compile_plan
    from netlab.resources import Address, HostsFile
    from netlab.topology import loads_topology

    plan = compile_plan(loads_topology(topology_text("ipbref", n), "<bench>"))
    ns = lambda node: f"{PREFIX}ipb{rep}-{node}"  # noqa: E731
    node_of = {s.netns: s.node for s in plan.steps if s.kind == "netns"}
    addr = {node_of[s.netns]: s.cidr for s in plan.of_kind(Address) if s.ifname == "eth0"}
    hosts = {node_of[s.netns]: s.entries for s in plan.of_kind(HostsFile)}
    nodes = ["host"] + [f"c{i}" for i in range(n)]
    (workdir / "root.batch").write_text("".join(f"netns add {ns(x)}\n" for x in nodes))
    host = [
        "link set lo up\n",
        "link add br0 type bridge\n",
        "addr add 10.128.0.1/16 dev br0\n",
        "link set br0 up\n",
    ]
    for i in range(n):
        host.append(f"link add v{i} type veth peer name eth0 netns {ns(f'c{i}')}\n")
        host.append(f"link set v{i} master br0 up\n")
    (workdir / "host.batch").write_text("".join(host))
    for i in range(n):
        (workdir / f"c{i}.batch").write_text(
            f"link set lo up\naddr add {addr[f'c{i}']} dev eth0\n"
            "link set eth0 up\nroute add default via 10.128.0.1 dev eth0\n"
        )
    (workdir / "down.batch").write_text("".join(f"netns del {ns(x)}\n" for x in nodes))
    t0 = time.perf_counter()
    subprocess.run(["ip", "-batch", str(workdir / "root.batch")], check=True)
    subprocess.run(["ip", "-n", ns("host"), "-batch", str(workdir / "host.batch")], check=True)
    template = None
    for x in nodes:
        if x != "host":
            subprocess.run(["ip", "-n", ns(x), "-batch", str(workdir / f"{x}.batch")], check=True)
        written = hostsfiles.write_netns_etc(ns(x), hosts[x], template)
        template = template or written
    up = time.perf_counter() - t0
    t1 = time.perf_counter()
    subprocess.run(["ip", "-batch", str(workdir / "down.batch")], check=True)
    for x in nodes:
        hostsfiles.remove_netns_etc(ns(x))
    down = time.perf_counter() - t1
    for x in nodes:  # exact names; nothing should be left, but never leave a stray one
        nsfs.remove(ns(x))
    return up, down


def run_mininet(n: int, workdir: Path) -> tuple[float | None, float | None, str]:
    if not shutil.which("mnexec") or not Path("/usr/bin/python3").exists():
        return None, None, "mininet not installed (apt-get install mininet)"
    if not shutil.which("brctl"):
        return None, None, "Mininet's LinuxBridge needs brctl (apt-get install bridge-utils)"
    scratch = f"{PREFIX}-mn"

    def make() -> None:
        home = nsfs.current_fd()
        try:
            os.close(nsfs.create(scratch))
        finally:
            nsfs.enter_fd(home)
            os.close(home)

    run_in_thread(make)
    pidfile = workdir / "mn-pids.json"
    try:
        res = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                scratch,
                "/usr/bin/python3",
                str(Path(__file__).with_name("mininet_runner.py")),
                str(n),
                str(pidfile),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if res.returncode != 0:
            return None, None, f"mininet failed: {res.stderr.strip()[-300:]}"
        out = json.loads(res.stdout.strip().splitlines()[-1])
        return out["up_s"], out["down_s"], ""
    finally:
        _reap_mininet_leftovers(pidfile)
        nsfs.remove(scratch)


def _reap_mininet_leftovers(pidfile: Path) -> None:
    """Mininet's stop() kills its hosts; if it died half way, kill exactly the host shells it
    reported (verified by their `mininet:` command line), nothing else."""
    if not pidfile.exists():
        return
    for pid in json.loads(pidfile.read_text()):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"mininet:" in cmdline:
            os.kill(pid, 9)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-mininet", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("lab_build.py needs root (it makes namespaces)", file=sys.stderr)
        return 2
    n = args.nodes
    notes: list[str] = []
    nl_up, nl_down, ip_up, ip_down, mn_up, mn_down = [], [], [], [], [], []
    load_before = machine_load()
    with tempfile.TemporaryDirectory(prefix="netlab-bench-") as tmp:
        work = Path(tmp)
        for rep in range(args.repeat):
            settle()
            u, d, steps = run_netlab(n, rep)
            nl_up.append(u)
            nl_down.append(d)
            settle()
            u, d = run_ipbatch(n, rep, work)
            ip_up.append(u)
            ip_down.append(d)
        settle()
        cli_up = run_netlab_cli(n, work)
        if args.no_mininet:
            notes.append("mininet skipped (--no-mininet)")
        else:
            for _ in range(max(1, min(args.repeat, 2))):
                settle()
                u, d, why = run_mininet(n, work)
                if u is None:
                    notes.append(why)
                    break
                mn_up.append(u)
                mn_down.append(d)
    med = lambda xs: round(statistics.median(xs), 4) if xs else None  # noqa: E731
    result = {
        "nodes": n,
        "repeat": args.repeat,
        "netlab_up_s": med(nl_up),
        "netlab_down_s": med(nl_down),
        "netlab_cli_up_s": round(cli_up, 4),
        "netlab_steps": steps,
        "ipbatch_up_s": med(ip_up),
        "ipbatch_down_s": med(ip_down),
        "mininet_up_s": med(mn_up),
        "mininet_down_s": med(mn_down),
        "notes": "; ".join(notes) or None,
        "load_before": load_before,
        "load_after": machine_load(),
    }
    r = result
    ratios = {
        "netlab_vs_ipbatch_up": round(r["netlab_up_s"] / r["ipbatch_up_s"], 3),
        "netlab_vs_ipbatch_down": round(r["netlab_down_s"] / r["ipbatch_down_s"], 3),
        "mininet_over_netlab_up": round(r["mininet_up_s"] / r["netlab_up_s"], 1)
        if r["mininet_up_s"]
        else None,
        "mininet_over_netlab_down": round(r["mininet_down_s"] / r["netlab_down_s"], 1)
        if r["mininet_down_s"]
        else None,
    }
    result["ratios"] = ratios
    result["per_host_ms"] = {
        k[:-2]: round(v * 1000 / n, 2) for k, v in result.items() if k.endswith("_s") and v
    }
    print(f"N={n} (median of {args.repeat}; per host in ms)")
    for who in ("netlab", "ipbatch", "mininet"):
        up, down = r[f"{who}_up_s"], r[f"{who}_down_s"]
        if up is None:
            print(f"  {who:8s} not run")
        else:
            print(
                f"  {who:8s} up {up:7.3f} s ({up * 1000 / n:6.2f} ms/host)   "
                f"down {down:7.3f} s ({down * 1000 / n:6.2f} ms/host)"
            )
    print(f"  netlab CLI process (interpreter start + imports + up): {cli_up:.3f} s")
    print(
        f"  netlab/ip-batch up {ratios['netlab_vs_ipbatch_up']} (goal <= 1.0), "
        f"down {ratios['netlab_vs_ipbatch_down']}"
    )
    print(
        f"  mininet/netlab up {ratios['mininet_over_netlab_up']}x (goal >= 7), "
        f"down {ratios['mininet_over_netlab_down']}x (goal >= 20)"
    )
    print(f"  machine load before/after: {load_before} / {result['load_after']}")
    if notes:
        print("  notes: " + "; ".join(notes))
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
