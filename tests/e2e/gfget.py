"""Run the gf_get test driver (tests/tools/gf_get.c) and read what it prints.

gf_get fetches its URLs in turn on one HTTP engine and prints, per URL,

    status=200 bytes=5 result=0 ok
    status=0 bytes=0 result=50 certificate expired (certificate refused: ...)

then `connects=N handshakes=N`. Results are matched by their gf_strerror() message (the
constants below), which survives a renumbering of the enum; the number is kept too.

limits(ctx) asks the build for its config.h limits (`gf_get --limits`), so that tests probing
a limit never repeat its number.
"""

import re
import shlex
import subprocess
import time
import procs

# gf_strerror() texts (src/status.c), by the enum name without GF_.
MSG = {
    "OK": "ok",
    "E_HEADER_INJECTION": "a request header contains CR, LF or NUL",
    "E_HTTP_SYNTAX": "malformed HTTP response",
    "E_HTTP_LINE_TOO_LONG": "an HTTP response line is too long",
    "E_HTTP_TOO_MANY_HEADERS": "too many HTTP response headers",
    "E_HTTP_CONTENT_LENGTH": "invalid or conflicting Content-Length",
    "E_HTTP_CHUNK": "invalid chunked transfer coding",
    "E_HTTP_TRUNCATED": "the connection closed before the response was complete",
    "E_REDIRECT_LIMIT": "too many redirects",
    "E_REDIRECT_INSECURE": "redirect from https to http refused",
    "E_REDIRECT_LOCATION": "redirect without a usable Location",
    "E_CONNECT_REFUSED": "connection refused",
    "E_CONNECT_TIMEOUT": "connect timed out",
    "E_IDLE_TIMEOUT": "no data within the idle timeout",
    "E_DEADLINE": "the overall deadline passed",
    "E_RESET": "connection reset by peer",
    "E_NETWORK": "network failure",
    "E_TLS": "the TLS connection failed",
    "E_TLS_ALERT": "the server ended the TLS handshake with an alert",
    "E_TLS_UNTRUSTED": "certificate not trusted (unknown CA or self-signed)",
    "E_TLS_NAME": "certificate does not match the host name",
    "E_TLS_EXPIRED": "certificate expired",
    "E_TLS_NOT_YET_VALID": "certificate not valid yet",
    "E_TLS_CERT": "certificate refused",
    "E_TLS_RECORD_SIZE": "a TLS record or handshake message is larger than this build's TLS buffer",
    "E_TLS_VERSION": "the server needs a TLS version this build does not speak",
    "E_TLS_NO_SHARED": "no TLS cipher suite or key exchange group in common with the server",
    "E_TLS_SIGNATURE": "the server's TLS handshake signature was refused",
    "E_TLS_CA": "cannot load the CA certificates",
}

# Every TLS-layer message: a "fails cleanly with a TLS status" check accepts these.
TLS_MESSAGES = tuple(MSG[k] for k in MSG if k.startswith("E_TLS"))

_LINE = re.compile(r"^status=(-?\d+) bytes=(\d+) result=(\d+) (.*)$")
_TOTALS = re.compile(r"^connects=(\d+) handshakes=(\d+)$")


class Fetch:
    """One URL's line: status (HTTP, 0 when none), bytes (body bytes delivered), result
    (gf_status number), message (gf_strerror text), detail (the TLS reason in brackets)."""

    def __init__(self, status, nbytes, result, text):
        self.status = status
        self.bytes = nbytes
        self.result = result
        self.detail = ""
        self.message = text
        for m in sorted(MSG.values(), key=len, reverse=True):
            if text == m or text.startswith(m + " ("):
                self.message = m
                self.detail = text[len(m):].strip()[1:-1]
                break

    def is_(self, key):
        return self.message == MSG[key]

    def __repr__(self):
        return "status=%d bytes=%d result=%d %s%s" % (
            self.status, self.bytes, self.result, self.message,
            " (%s)" % self.detail if self.detail else "")


class Run:
    def __init__(self, argv, proc, elapsed):
        self.argv = argv
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.elapsed = elapsed
        self.fetches = []
        self.connects = self.handshakes = None
        for line in proc.stdout.splitlines():
            m = _LINE.match(line)
            if m:
                self.fetches.append(Fetch(int(m.group(1)), int(m.group(2)), int(m.group(3)),
                                          m.group(4)))
                continue
            m = _TOTALS.match(line)
            if m:
                self.connects, self.handshakes = int(m.group(1)), int(m.group(2))

    def __getitem__(self, i):
        return self.fetches[i]

    def describe(self):
        return "$ %s\nexit %s after %.2fs\n%s%s" % (
            " ".join(shlex.quote(a) for a in self.argv), self.returncode, self.elapsed,
            self.stdout, "stderr: " + self.stderr[-2000:] if self.stderr else "")

    def check(self, cond, what):
        """assert cond, with the run's whole output in the message."""
        if not cond:
            raise AssertionError("%s\n%s" % (what, self.describe()))

    def expect(self, *keys, connects=None, handshakes=None):
        """Each URL's result is the message of keys[i] (names of MSG); the totals as given."""
        self.check(len(self.fetches) == len(keys),
                   "expected %d result lines, got %d" % (len(keys), len(self.fetches)))
        for i, (f, k) in enumerate(zip(self.fetches, keys)):
            self.check(f.message == MSG[k], "URL %d: expected %r, got %r" % (i + 1, MSG[k], f))
        self.check(self.connects is not None, "no connects= line")
        if connects is not None:
            self.check(self.connects == connects,
                       "expected connects=%d, got %d" % (connects, self.connects))
        if handshakes is not None:
            self.check(self.handshakes == handshakes,
                       "expected handshakes=%d, got %d" % (handshakes, self.handshakes))
        want_rc = 0 if all(k == "OK" for k in keys) else 1
        self.check(self.returncode == want_rc, "expected exit %d" % want_rc)
        return self


def need(ctx):
    """Fail the test (not the suite) when gf_get is not built."""
    err = ctx.tool_error("gf_get")
    if err:
        raise AssertionError(err)


def run(ctx, *args, timeout=60):
    """Run gf_get with args (str() each); returns a Run."""
    need(ctx)
    argv = ctx.tool("gf_get") + [str(a) for a in args]
    ctx.log("$", " ".join(shlex.quote(a) for a in argv))
    t0 = time.monotonic()
    proc = procs.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout,
                          cwd=ctx.tmp, env=ctx.cli_env())
    r = Run(argv, proc, time.monotonic() - t0)
    for line in proc.stdout.splitlines():
        ctx.log("  ", line)
    return r


_limits = {}


def limits(ctx):
    """{name: value} of the config.h limits gf_get (and the CLI beside it) was built with."""
    need(ctx)
    argv = ctx.tool("gf_get")
    key = tuple(argv)
    if key not in _limits:
        out = procs.run(argv + ["--limits"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             universal_newlines=True, timeout=60, check=True).stdout
        _limits[key] = {k: int(v) for k, v in (line.split("=", 1) for line in out.split())}
    return _limits[key]
