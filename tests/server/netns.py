"""Network namespaces with a TAP device, for tests that run a TCP/IP stack of
their own (lwIP on the host, the emulated board's Ethernet).

    with Namespace("gf-lwip-1234", tap="tap0", addr="192.0.2.1/24") as ns:
        ns.popen(["python3", "dnsd.py", ...])   # runs inside the namespace
        ns.run(["./lwip_cli", ...])

Only 192.0.2.0/24 (TEST-NET-1, RFC 5737) is used, and only inside the
namespace made here: nothing of it is routed anywhere. On leaving the block
(normally, by an exception, or by SIGTERM/SIGINT turned into SystemExit) every
process started through popen() is killed with its children, and the
namespace is deleted, which removes the TAP and its addresses with it. Needs
root (CI runs as root).
"""

import os
import signal
import subprocess


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


class Namespace:
    def __init__(self, name, tap="tap0", addr="192.0.2.1/24"):
        self.name = name
        self.tap = tap
        self.addr = addr
        self.procs = []

    def __enter__(self):
        _ip("netns", "del", self.name, check=False)  # a leftover of a killed run
        _ip("netns", "add", self.name)
        try:
            self._exec("ip", "link", "set", "lo", "up")
            self._exec("ip", "tuntap", "add", "dev", self.tap, "mode", "tap")
            self._exec("ip", "addr", "add", self.addr, "dev", self.tap)
            self._exec("ip", "link", "set", self.tap, "up")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _exec(self, *cmd):
        subprocess.run(["ip", "netns", "exec", self.name, *cmd], check=True,
                       capture_output=True, text=True)

    def argv(self, cmd):
        """cmd as it runs inside the namespace."""
        return ["ip", "netns", "exec", self.name, *cmd]

    def popen(self, cmd, **kw):
        """Start cmd inside the namespace, in a process group of its own so
        that close() ends it and everything it started."""
        p = subprocess.Popen(self.argv(cmd), start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def run(self, cmd, timeout, **kw):
        """Run cmd inside the namespace to its end; on timeout its whole
        process group is killed before TimeoutExpired goes up."""
        p = self.popen(cmd, **kw)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill(p)
            p.communicate()
            raise
        return subprocess.CompletedProcess(p.args, p.returncode, out, err)

    @staticmethod
    def _kill(p):
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                self._kill(p)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []
        _ip("netns", "del", self.name, check=False)
