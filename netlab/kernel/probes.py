"""Which kernel features can this machine make? Probed for real in a scratch namespace.

Features found present are remembered for the rest of the boot (/run/netlab/.features.json,
keyed by /proc/sys/kernel/random/boot_id): a feature cannot disappear without a reboot
(modules here are built in or loaded; they are not unloaded under us), while a missing one
is probed again every time (a module may have been loaded since).

`missing_features(features)` creates one scratch namespace (`netlab-probe-<pid>-<n>`, removed by
that exact name afterwards), tries to make one object of each requested kind in it and returns
{feature: kernel's reason} for those it could not make. Nothing outside the scratch namespace
is touched. Known features: netns veth bridge tun tap vxlan vlan bond macvlan dummy netem tbf.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from pyroute2.netlink.rtnl import RTM_NEWLINK

from netlab.kernel import links, nsfs
from netlab.kernel.rtnl import CREATE, Rtnl
from netlab.kernel.worker import run_in_thread

_counter = itertools.count()


def _link_of_kind(kind: str, data: list | None = None, parent: bool = False) -> Callable[[Rtnl], None]:
    def probe(r: Rtnl) -> None:
        attrs: list = [("IFLA_IFNAME", f"probe-{kind}"[:15])]
        if parent:
            parent_name = f"pp-{kind}"[:15]
            links.make_veth(r, parent_name, f"pq-{kind}"[:15], None)
            attrs.append(("IFLA_LINK", r.link_index(parent_name)))
        info: dict = {"attrs": [("IFLA_INFO_KIND", kind)]}
        if data:
            info["attrs"].append(("IFLA_INFO_DATA", {"attrs": data}))
        attrs.append(("IFLA_LINKINFO", info))
        r.request(links._linkmsg(attrs), RTM_NEWLINK, CREATE)

    return probe


def _qdisc(kind: str) -> Callable[[Rtnl], None]:
    def probe(_r: Rtnl) -> None:
        from pyroute2 import IPRoute  # its tc encoders; the thread is inside the scratch namespace

        with IPRoute() as ipr:
            if kind == "netem":
                ipr.tc("add", "netem", index=1, handle="1:", delay=1000)
            else:
                ipr.tc("add", "tbf", index=1, handle="1:", rate="1mbit", burst=16384, latency=50000)

    return probe


PROBES: dict[str, Callable[[Rtnl], None]] = {
    "veth": lambda r: links.make_veth(r, "probe-v0", "probe-v1", None),
    "bridge": lambda r: links.make_bridge(r, "probe-br"),
    "tun": lambda r: links.make_tuntap("probe-tun", "tun"),
    "tap": lambda r: links.make_tuntap("probe-tap", "tap"),
    "vxlan": lambda r: links.make_vxlan(r, "probe-vx", 42, "10.255.0.1", "10.255.0.2"),
    "vlan": _link_of_kind("vlan", [("IFLA_VLAN_ID", 10)], parent=True),
    "bond": _link_of_kind("bond"),
    "macvlan": _link_of_kind("macvlan", parent=True),
    "dummy": _link_of_kind("dummy"),
    "netem": _qdisc("netem"),
    "tbf": _qdisc("tbf"),
}


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _cache_path() -> Path:
    return Path(os.environ.get("NETLAB_RUN_DIR", "/run/netlab")) / ".features.json"


def _known_present() -> set[str]:
    try:
        data = json.loads(_cache_path().read_text())
    except (OSError, ValueError):
        return set()
    if data.get("boot_id") != _boot_id() or data.get("kernel") != os.uname().release:
        return set()
    return set(data.get("present") or [])


def _remember_present(present: set[str]) -> None:
    path = _cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".features.{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps({"boot_id": _boot_id(), "kernel": os.uname().release, "present": sorted(present)})
        )
        os.replace(tmp, path)
    except OSError:
        pass  # a cache only


def missing_features(features: Iterable[str], use_cache: bool = True) -> dict[str, str]:
    known = _known_present() if use_cache else set()
    wanted = sorted(set(features) - known)
    if not wanted:
        return {}
    missing = _probe(wanted)
    if use_cache:
        _remember_present(
            known | {f for f in wanted if f not in missing and f in PROBES or f == "netns"} - set(missing)
        )
    return missing


def _probe(wanted: list[str]) -> dict[str, str]:

    def work() -> dict[str, str]:
        missing: dict[str, str] = {}
        home = nsfs.current_fd()
        name = f"netlab-probe-{os.getpid()}-{next(_counter)}"
        try:
            try:
                fd = nsfs.create(name)
                os.close(fd)
            except OSError as exc:
                return {"netns": f"cannot create a network namespace: {exc}"} | {
                    f: "needs netns" for f in wanted if f != "netns"
                }
            with Rtnl() as r:
                for feature in wanted:
                    if feature == "netns":
                        continue
                    probe = PROBES.get(feature)
                    if probe is None:
                        missing[feature] = "netlab does not know how to make or probe this feature"
                        continue
                    try:
                        probe(r)
                    except Exception as exc:  # the kernel's refusal is the answer
                        missing[feature] = _reason(exc)
        finally:
            nsfs.enter_fd(home)
            os.close(home)
            nsfs.remove(name)
        return missing

    return run_in_thread(work)


def _reason(exc: Exception) -> str:
    code = getattr(exc, "errno", None) or (exc.args[0] if exc.args and isinstance(exc.args[0], int) else None)
    if isinstance(code, int):
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else os.strerror(code)
        return f"the kernel refused to create one: {text} (errno {code})"
    return f"the kernel refused to create one: {exc}"
