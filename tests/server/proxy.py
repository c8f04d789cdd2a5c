#!/usr/bin/env python3
"""tinyproxy (Debian's package) as a local HTTP proxy for the end-to-end tests.

    with TinyProxy(workdir, connect_ports=[s.api_port, s.file_port]) as p:
        p.url            http://127.0.0.1:PORT
        p.connects()     ["localhost:4433", ...]   the CONNECT targets it was asked for
        p.refused()      [4433, ...]               ports whose CONNECT it refused
        p.log()          its whole log (text)

It runs in the foreground (tinyproxy -d) from a generated config, listens on 127.0.0.1 only,
allows only 127.0.0.1, and lets CONNECT through to `connect_ports` only (tinyproxy's own
default would be 443 and 563). connect_ports=[] gives a proxy that refuses every CONNECT to
the test ports (it allows only 443, where nothing test-related listens). basic_auth=(user,
password) makes it ask for Proxy-Authorization (tinyproxy accepts only [A-Za-z0-9._-] there).
stop() ends it by its pid (idempotent; also at interpreter exit).
"""

import atexit
import os
import re
import shutil
import socket
import subprocess
import time

_CRED_RE = re.compile(r"^[A-Za-z0-9._-]+$")


def available():
    """None when tinyproxy can be run, else why not."""
    if shutil.which("tinyproxy") is None:
        return "tinyproxy is not installed (apt-get install tinyproxy)"
    return None


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TinyProxy:
    def __init__(self, workdir, connect_ports=(), basic_auth=None, port=0, start=True):
        self.workdir = os.path.abspath(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.connect_ports = [int(p) for p in connect_ports]
        self.basic_auth = basic_auth
        if basic_auth is not None:
            for v in basic_auth:
                if not _CRED_RE.match(v):
                    raise ValueError("tinyproxy's BasicAuth takes only [A-Za-z0-9._-]: %r" % v)
        self._want_port = port
        self.port = None
        self.proc = None
        self.conf_path = os.path.join(self.workdir, "tinyproxy.conf")
        self.log_path = os.path.join(self.workdir, "tinyproxy.log")
        self.pid_path = os.path.join(self.workdir, "tinyproxy.pid")
        self.out_path = os.path.join(self.workdir, "tinyproxy.out")
        if start:
            self.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def url_with(self, user, password):
        return "http://%s:%s@127.0.0.1:%d" % (user, password, self.port)

    def _config(self):
        lines = [
            "Port %d" % self.port,
            "Listen 127.0.0.1",
            "Timeout 30",
            'LogFile "%s"' % self.log_path,
            'PidFile "%s"' % self.pid_path,
            "LogLevel Info",
            "MaxClients 50",
            "Allow 127.0.0.1",
            "DisableViaHeader Yes",
        ]
        # tinyproxy allows CONNECT to every port when no ConnectPort line is given: always
        # give at least one. 443 stands for "none of the test ports".
        for p in self.connect_ports or [443]:
            lines.append("ConnectPort %d" % p)
        if self.basic_auth is not None:
            lines.append("BasicAuth %s %s" % self.basic_auth)
        return "\n".join(lines) + "\n"

    def start(self, timeout=10):
        if self.proc is not None:
            return self
        last = None
        for _ in range(5):  # a free port can be taken between the probe and the bind
            self.port = self._want_port or _free_port()
            with open(self.conf_path, "w") as f:
                f.write(self._config())
            open(self.log_path, "w").close()
            out = open(self.out_path, "wb")
            self.proc = subprocess.Popen(["tinyproxy", "-d", "-c", self.conf_path],
                                         stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, close_fds=True)
            out.close()
            atexit.register(self.stop)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    with socket.create_connection(("127.0.0.1", self.port), 0.5):
                        return self
                except OSError as e:
                    last = e
                    time.sleep(0.02)
            with open(self.out_path, "rb") as f:
                last = f.read().decode("utf-8", "replace").strip() or last
            self.stop()
            if self._want_port:
                break
        raise RuntimeError("tinyproxy did not start: %s" % last)

    def stop(self):
        """Stop tinyproxy by its pid (idempotent)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            atexit.unregister(self.stop)
        except Exception:
            pass
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- what it saw ---------------------------------------------------------------------

    def log(self, settle=0.1):
        if settle:
            time.sleep(settle)
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def requests(self, settle=0.1):
        """The request lines it logged ("CONNECT localhost:4433 HTTP/1.1", ...)."""
        return re.findall(r"Request \(file descriptor \d+\): (.*)$", self.log(settle), re.M)

    def connects(self, settle=0.1):
        """The host:port targets of the CONNECT requests it logged, in order."""
        return [r.split()[1] for r in self.requests(settle)
                if r.startswith("CONNECT ") and len(r.split()) >= 2]

    def refused(self, settle=0.1):
        """The ports it refused a CONNECT to."""
        return [int(p) for p in re.findall(r"Refused CONNECT method on port (\d+)",
                                           self.log(settle))]


__all__ = ["TinyProxy", "available"]
