"""The privilege table and the setpriv prefix (netlab/kernel/privileges.py, docs/security.md).
The real effect (uid, capabilities, setns refused) is checked on a live lab in
tests/lab/test_hardening.py."""

from __future__ import annotations

from netlab.kernel import privileges
from netlab.kernel.privileges import RUN_USER, RunAs, drop_argv, policy


def test_roles_and_their_capabilities():
    assert policy("broker") == RunAs(RUN_USER)
    assert policy("port-proxy") == RunAs(RUN_USER, ("net_bind_service",))
    assert policy("client") == RunAs(RUN_USER)
    assert policy("user").privileged  # the topology author is trusted, like a compose file's
    assert policy("user", unprivileged=True) == RunAs(RUN_USER)
    assert policy("tap-relay").privileged and policy("tun-relay").privileged  # they drop themselves


def test_setpriv_prefix(monkeypatch):
    monkeypatch.setattr(privileges, "code_readable", lambda: True)
    argv = drop_argv(policy("port-proxy"))
    assert argv[0].endswith("setpriv") and argv[-1] == "--"
    assert ["--reuid", RUN_USER, "--regid", RUN_USER, "--clear-groups"] == argv[1:6]
    assert "--bounding-set=-all,+net_bind_service" in argv and "--no-new-privs" in argv
    assert drop_argv(policy("user")) == []


def test_code_not_readable_by_others_keeps_uid_0_but_drops_every_capability(monkeypatch):
    monkeypatch.setattr(privileges, "code_readable", lambda: False)
    argv = drop_argv(policy("broker"))
    assert "--reuid" not in argv
    assert "--bounding-set=-all" in argv and "--inh-caps=-all" in argv and "--no-new-privs" in argv
