"""A small Chrome DevTools Protocol client over --remote-debugging-pipe (fd 3: commands in,
fd 4: answers out, each message JSON followed by a NUL byte).

The pipe instead of --remote-debugging-port: no TCP port is opened (nothing to race with
other helpers' tests for), and no websocket code is needed. Debian's chromium, headless, no
sandbox (root), network off: every request it makes is recorded and the tests check there are
none but the page itself. Chromium runs in a throwaway network namespace of its own (`unshare
--net`: only a loopback that is down), so whatever it might try (a name lookup, a component
update) cannot leave it, whatever its flags say.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing can leave the machine
    "--hide-scrollbars",
    "--window-size=1400,1000",
]
TIMEOUT_S = 30.0
MAX_EVENTS = 10_000  # events nobody waits for are dropped, oldest first
MAX_MESSAGE = 64 * 1024 * 1024  # a full-page screenshot is a few MB of base64; bounded either way


def available() -> str | None:
    return CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")


def isolation() -> list[str]:
    """The argv prefix that gives chromium a network namespace of its own (root: a plain one;
    otherwise a user namespace's)."""
    if os.geteuid() == 0:
        return ["unshare", "--net", "--"]
    return ["unshare", "--user", "--map-root-user", "--net", "--"]


class CDPError(RuntimeError):
    pass


class Browser:
    """One headless chromium with one page attached (flat session)."""

    def __init__(self, profile: Path):
        cmd_r, cmd_w = os.pipe()
        resp_r, resp_w = os.pipe()
        # the child gets them as fds 3 and 4: move them above 10 first so dup2 never clobbers one
        hi_cmd_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
        hi_resp_w = fcntl.fcntl(resp_w, fcntl.F_DUPFD, 10)
        os.close(cmd_r)
        os.close(resp_w)

        def child_fds() -> None:
            os.dup2(hi_cmd_r, 3)
            os.dup2(hi_resp_w, 4)

        self.proc = subprocess.Popen(
            [
                *isolation(),
                available() or CHROMIUM,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),  # kept open in the child: preexec_fn has made them our pipes
            preexec_fn=child_fds,  # noqa: PLW1509 - only dup2, before exec
        )
        os.close(hi_cmd_r)
        os.close(hi_resp_w)
        self._w = os.fdopen(cmd_w, "wb", buffering=0)
        self._r = resp_r
        self._next = 0
        self._answers: dict[int, dict] = {}
        self._lock = threading.Condition()
        self.events: queue.Queue = queue.Queue(maxsize=MAX_EVENTS)
        self.requests: list[str] = []  # every URL the page asked for (Network.requestWillBeSent)
        threading.Thread(target=self._reader, daemon=True).start()
        try:
            target = next(t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
            attached = self.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)
            self.session = attached["sessionId"]
            self.page("Page.enable")
            self.page("Network.enable")
            self.page(
                "Network.emulateNetworkConditions",
                offline=True,
                latency=0,
                downloadThroughput=0,
                uploadThroughput=0,
            )
        except Exception:
            self.proc.kill()  # the chromium this object started, by its Popen
            self.proc.wait(timeout=10)
            raise

    def _reader(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._r, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._lock:
                    self._answers[-1] = {"error": {"message": "chromium closed the pipe"}}
                    self._lock.notify_all()
                return
            buf += chunk
            if len(buf) > MAX_MESSAGE and b"\0" not in buf:
                with self._lock:
                    self._answers[-1] = {"error": {"message": f"a message over {MAX_MESSAGE} bytes"}}
                    self._lock.notify_all()
                return
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self._lock:
                        self._answers[msg["id"]] = msg
                        self._lock.notify_all()
                else:
                    if msg.get("method") == "Network.requestWillBeSent":
                        self.requests.append(msg["params"]["request"]["url"])
                    self._event(msg)

    def _event(self, msg: dict) -> None:
        while True:
            try:
                self.events.put_nowait(msg)
                return
            except queue.Full:
                try:
                    self.events.get_nowait()
                except queue.Empty:
                    pass

    def call(self, method: str, session: str | None = None, **params) -> dict:
        with self._lock:
            self._next += 1
            n = self._next
        msg = {"id": n, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        self._w.write(json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT_S
        with self._lock:
            while n not in self._answers and -1 not in self._answers:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CDPError(f"{method}: no answer in {TIMEOUT_S:g} s")
                self._lock.wait(left)
            answer = self._answers.pop(n, None) or self._answers[-1]
        if "error" in answer:
            raise CDPError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def page(self, method: str, **params) -> dict:
        return self.call(method, self.session, **params)

    def wait_event(self, method: str, timeout: float = TIMEOUT_S) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError(f"no {method} event in {timeout:g} s")
            try:
                msg = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if msg.get("method") == method:
                return msg.get("params", {})

    def open(self, url: str) -> None:
        while not self.events.empty():
            self.events.get_nowait()
        self.requests.clear()
        self.page("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def js(self, expression: str):
        """The value of a JS expression in the page (JSON-able)."""
        r = self.page("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise CDPError(f"{expression}: {r['exceptionDetails'].get('text')}")
        return r["result"].get("value")

    def click(self, x: float, y: float) -> None:
        """A real mouse click (pressed, released) at page coordinates."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.page("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        params: dict = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            w, h = self.js("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}
        path.write_bytes(base64.b64decode(self.page("Page.captureScreenshot", **params)["data"]))
        return path

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except CDPError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # this process only: we started it and hold its Popen
            self.proc.wait(timeout=10)
        self._w.close()
        os.close(self._r)
