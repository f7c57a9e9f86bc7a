"""A real ZooKeeper (Debian's zookeeper 3.8, scripts/install.sh) for broker tests: one standalone
server on 127.0.0.1:<free port> with its data in the test's tmp dir, started with zkServer.sh
start-foreground (which execs the JVM, so the Popen pid is ZooKeeper's) and stopped by that pid.
tickTime=500 lets sessions be as short as 1 s, so expiry-driven tests take seconds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from brokerproc import free_port
from support import not_runnable_here

ZK_SERVER = Path("/usr/share/zookeeper/bin/zkServer.sh")
ZK_CLI = Path("/usr/share/zookeeper/bin/zkCli.sh")
CLASSPATH = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar"
READY = b"PrepRequestProcessor (sid:0) started"


def require_zookeeper() -> None:
    if not ZK_SERVER.exists():
        not_runnable_here(f"ZooKeeper is not installed ({ZK_SERVER} missing): run scripts/install.sh")


class ZooKeeper:
    def __init__(self, tmp: Path, port: int | None = None):
        require_zookeeper()
        self.dir = tmp / "zookeeper"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.cfg = self.dir / "zoo.cfg"
        self.cfg.write_text(
            f"tickTime=500\ndataDir={self.dir / 'data'}\nclientPort={self.port}\n"
            "clientPortAddress=127.0.0.1\nadmin.enableServer=false\n"
            # ZooKeeper's own per-connection statistics (`cons`), which tests read
            "4lw.commands.whitelist=srvr,stat,cons,mntr,ruok\n"
        )
        self.log = self.dir / "zookeeper.log"
        self.proc: subprocess.Popen | None = None
        self.runs = 0

    @property
    def connect(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> None:
        env = dict(os.environ, JMXDISABLE="true", JVMFLAGS=f"-Xmx128m -XX:+UseSerialGC -cp {CLASSPATH}")
        with open(self.log, "ab") as out:
            start_at = out.tell()
            self.proc = subprocess.Popen(
                [str(ZK_SERVER), "start-foreground", str(self.cfg)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        self.runs += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if READY in self.log.read_bytes()[start_at:]:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"ZooKeeper exited ({self.proc.returncode}):\n{self.log.read_text()[-2000:]}"
                )
            time.sleep(0.05)
        raise RuntimeError(f"ZooKeeper not ready after {timeout} s:\n{self.log.read_text()[-2000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def cli(self, *command: str) -> str:
        """zkCli.sh -server <us> <command>: its output (the tool's own banner lines dropped)."""
        out = subprocess.run(
            [str(ZK_CLI), "-server", self.connect, *command],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
        return out.stdout

    def four_letter(self, word: str) -> str:
        """ZooKeeper's answer to a four-letter word (whitelisted in zoo.cfg above)."""
        with socket.create_connection(("127.0.0.1", self.port), 5) as s:
            s.sendall(word.encode())
            s.settimeout(10)
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode(errors="replace")

    def session_requests(self, session_id: str) -> int:
        """How many requests a session sent on its connection, as ZooKeeper counts them: the
        `lcxid` (the last request's xid; pings have their own) of its line in `cons`."""
        for line in self.four_letter("cons").splitlines():
            if f"sid={session_id}," in line:
                return int(line.split("lcxid=")[1].split(",")[0].rstrip(")"), 16)
        raise AssertionError(f"session {session_id} is not connected to ZooKeeper")

    def ephemeral_owner(self, path: str) -> str:
        """The session id (0x...) that owns an ephemeral znode, as `zkCli.sh stat` shows it."""
        return self.cli("stat", path).split("ephemeralOwner = ")[1].split()[0]
