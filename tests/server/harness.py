#!/usr/bin/env python3
"""One place tests start the local servers: PKI, sample data, nginx file host, export API.

    with Servers(workdir, fixture={"token": "t", "periods": {...}}) as s:
        s.api_base        https://localhost:PORT      (the export API, TLS)
        s.api_base_http   http://localhost:PORT       (the same API over plain HTTP)
        s.file_base       https://localhost:PORT      (nginx file host, TLS)
        s.file_base_http  http://localhost:PORT       (same files, plain HTTP)
        s.variant_bases   {"expired": "https://localhost:PORT", ...} (same files, bad certs)
        s.ca_file         the CA that signed the API's and file host's certificates
        s.set_fixture(d); s.api_requests(); s.file_requests(); s.add_file(...); s.reset()

Everything listens on 127.0.0.1 on free ports and is stopped by stop() (also on exceptions,
Ctrl-C and interpreter exit; nginx also gets SIGTERM if this process dies). Start Servers from
the main thread: nginx is bound to the life of the thread that started it.
"""

import atexit
import datetime
import os
import socket
import ssl
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import filehost  # noqa: E402
import gioserver  # noqa: E402
import pki  # noqa: E402
import sampledata  # noqa: E402

DEFAULT_VARIANTS = ("wrongname", "expired", "future", "selfsigned", "unknownca-server")
DATA_TYPES = sampledata.DATA_TYPES


def beijing_yesterday():
    return (gioserver.beijing_now() - datetime.timedelta(days=1)).strftime("%Y%m%d")


def demo_fixture(date=None, project="demo-project", token="demo-token", rows=200):
    """The demo: project `demo-project`, one day (default yesterday, Beijing time) FINISHED for
    all ten types (visit in 3 parts; page, action, custom_event in 2), per type and all-types;
    every hour of that day FINISHED with one part."""
    date = date or beijing_yesterday()
    parts = {t: 1 for t in DATA_TYPES}
    parts.update(visit=3, page=2, action=2, custom_event=2)
    periods = {"day/all/%s" % date: {"status": "FINISHED", "rows": rows,
                                     "types": {t: {"parts": n} for t, n in parts.items()}}}
    for t, n in parts.items():
        periods["day/%s/%s" % (t, date)] = {"status": "FINISHED", "parts": n, "rows": rows}
    periods["hour/*/%s??" % date] = {"status": "FINISHED", "parts": 1, "rows": rows // 4}
    return {"token": token, "project": project, "periods": periods,
            "default": {"status": "NOT_EXISTS"}}


class Servers:
    """PKI + nginx file host (TLS, plain HTTP, TLS variants) + export API (TLS, plain HTTP).

    workdir: a folder for everything (pki/, filehost/); created if missing.
    fixture: the API fixture (see gioserver.FIXTURE_DOC); default {"token": "test-token"}.
    pki_dir: reuse a PKI folder (e.g. one per test run) instead of workdir/pki.
    Ports default to free ones; variants: which bad-certificate TLS listeners to add.
    custom_servers: more file host listeners with their own nginx directives (see
    filehost.FileHost's `custom`), reached through variant_bases and origin=name.
    """

    def __init__(self, workdir, fixture=None, pki_dir=None, api_port=0, api_http_port=0,
                 file_port=0, file_http_port=0, variants=DEFAULT_VARIANTS, start=True,
                 custom_servers=None, listen="127.0.0.1"):
        self.workdir = os.path.abspath(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.pki_dir = os.path.abspath(pki_dir or os.path.join(self.workdir, "pki"))
        self._fixture0 = fixture or {"token": "test-token"}
        self._ports = dict(api=api_port, api_http=api_http_port, file=file_port,
                           file_http=file_http_port)
        self.variants = tuple(variants or ())
        self.custom_servers = dict(custom_servers or {})
        # 0.0.0.0 only inside a namespace the test made: there it means its loopback and
        # its TAP, so lwIP (over the TAP) and the POSIX CLI (over lo) reach the same servers.
        self.listen = listen
        self.filehost = None
        self.api = None
        self.pki = None
        self._file_log_offset = 0
        self._stopped = True
        if start:
            self.start()

    # ---- life cycle ------------------------------------------------------------------------

    def start(self, timeout=15):
        if not self._stopped:
            return self
        self._stopped = False
        atexit.register(self.stop)
        try:
            self.pki = pki.make_pki(self.pki_dir)
            self.filehost = filehost.FileHost(os.path.join(self.workdir, "filehost"), self.pki,
                                              port=self._ports["file"],
                                              http_port=self._ports["file_http"],
                                              variants=self.variants,
                                              custom=self.custom_servers,
                                              listen=self.listen)
            self.filehost.start(timeout=timeout)
            crt, key = self.pki["server"]
            self.api = gioserver.GioServer(self.filehost, crt, key, fixture=self._fixture0,
                                           port=self._ports["api"],
                                           http_port=self._ports["api_http"],
                                           listen=self.listen)
            self.api.start()
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        self._file_log_offset = self.filehost.log_offset()
        return self

    def wait_ready(self, timeout=15):
        """Wait until the API answers over TLS and the file host over TLS."""
        deadline = time.monotonic() + timeout
        ctx = self.ssl_context()
        last = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.api_base + "/_test/fixture", context=ctx,
                                            timeout=2) as r:
                    r.read()
                with socket.create_connection(("127.0.0.1", self.filehost.port), 2) as raw:
                    with ctx.wrap_socket(raw, server_hostname="localhost"):
                        pass
                return
            except OSError as e:
                last = e
                time.sleep(0.05)
        raise RuntimeError("servers did not come up: %s" % last)

    def stop(self):
        """Stop the API and nginx (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self.api is not None:
                self.api.stop()
        finally:
            if self.filehost is not None:
                self.filehost.stop()
            try:
                atexit.unregister(self.stop)
            except Exception:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- addresses -------------------------------------------------------------------------

    @property
    def api_port(self):
        return self.api.port

    @property
    def api_http_port(self):
        return self.api.http_port

    @property
    def file_port(self):
        return self.filehost.port

    @property
    def file_http_port(self):
        return self.filehost.http_port

    @property
    def api_base(self):
        return "https://localhost:%d" % self.api.port

    @property
    def api_base_http(self):
        return "http://localhost:%d" % self.api.http_port

    @property
    def file_base(self):
        return self.filehost.base

    @property
    def file_base_http(self):
        return self.filehost.base_http

    @property
    def variant_bases(self):
        return self.filehost.variant_bases

    @property
    def ca_file(self):
        return self.pki["ca"][0]

    def ssl_context(self):
        """An SSL context for Python clients that trusts only the test CA."""
        return ssl.create_default_context(cafile=self.ca_file)

    # ---- fixture and logs ------------------------------------------------------------------

    @property
    def fixture(self):
        return self.api.api.fixture

    @property
    def token(self):
        return self.api.api.fixture["token"]

    def set_fixture(self, fixture):
        """Replace the API fixture; makes its sample files; resets per-period call counts."""
        self.api.set_fixture(fixture)

    def reset(self):
        """Forget recorded API requests, call counts and rate windows; file log restarts."""
        self.api.reset()
        self._file_log_offset = self.filehost.log_offset()

    def api_requests(self, kind=None):
        """Recorded API requests (dicts), oldest first; kind: export | mint | other."""
        return self.api.requests(kind)

    def api_tls_errors(self):
        return list(self.api.api.tls_errors)

    def file_requests(self, settle=0.05):
        """Parsed nginx access log entries since start/reset (JSON lines, see filehost)."""
        if settle:
            time.sleep(settle)
        return self.filehost.requests(self._file_log_offset)

    # ---- files -----------------------------------------------------------------------------

    def add_file(self, path, data=None, size=None, md5="hex", rate=0, ttl_s=300,
                 origin="https", src=None):
        """Serve a file (bytes, `size` pseudo-random bytes, or a copy of src) at path and
        return a signed link to it. A relative path goes under /gio-export/extra/."""
        if not path.startswith("/"):
            path = "/%s/extra/%s" % (filehost.BUCKET, path)
        self.filehost.put(path, data=data, size=size, src=src, md5=md5, rate=rate)
        return self.sign_url(path, ttl_s, origin)

    def sign_url(self, path, ttl_s=300, origin="https"):
        """A signed link to a served path, valid ttl_s seconds (negative: already expired)."""
        return self.filehost.sign_url(path, ttl_s, origin=origin)

    def file_md5(self, path):
        return self.filehost.files[path]["md5"]

    # ---- credentials for a CLI -------------------------------------------------------------

    def write_token_file(self, path, token=None, mode=0o600):
        """Write the fixture's token (or `token`) to path with the given mode; return path."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w") as f:
            f.write((token if token is not None else self.token) + "\n")
        os.chmod(path, mode)
        return path

    def info(self):
        """The addresses as a dict (what run_servers.py prints and writes as its ready file)."""
        return {"api_base": self.api_base, "api_base_http": self.api_base_http,
                "file_base": self.file_base, "file_base_http": self.file_base_http,
                "variant_bases": self.variant_bases, "ca_file": self.ca_file,
                "api_port": self.api_port, "api_http_port": self.api_http_port,
                "file_port": self.file_port, "file_http_port": self.file_http_port,
                "pid": os.getpid()}


__all__ = ["Servers", "demo_fixture", "beijing_yesterday", "DATA_TYPES"]


if __name__ == "__main__":
    import run_servers
    sys.exit(run_servers.main(sys.argv))
