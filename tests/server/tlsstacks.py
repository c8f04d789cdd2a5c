#!/usr/bin/env python3
"""TLS servers of other stacks than nginx's, from Debian's packages, in front of the file host.

Each one terminates TLS on 127.0.0.1:PORT with a chain of the test PKI and passes the requests
on to the file host's plain HTTP port (nginx), so the links, headers and access log stay
nginx's while the TLS is another stack's:

    stunnel   OpenSSL (stunnel4), with its defaults unless told otherwise
    lighttpd  GnuTLS (lighttpd with mod_gnutls and mod_proxy)
    caddy     Go's crypto/tls (caddy's reverse_proxy)
    s_server  OpenSSL's own test server (`openssl s_server -WWW`, files from a folder): for
              handshakes that must fail, since it answers HTTP/1.0 without Content-Length

    with Front("stunnel", workdir, chain, key, backend_port, tls="1.2", server_pref=True) as f:
        f.base   https://localhost:PORT

tls: "1.2" (TLS 1.2 only), "1.3" (TLS 1.3 only) or None (the stack's default versions).
server_pref: the server's own order of suites (and signature schemes, where the stack has
one) instead of the client's. keepalive=False: one request per connection (lighttpd only).
ciphers: a TLS 1.2 cipher list (stunnel, s_server). groups: key exchange groups (s_server).
sigalgs: the signature schemes the server may sign with (s_server).
Everything listens on 127.0.0.1 only and is stopped by stop(), also when start() fails.
"""

import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filehost import _set_pdeathsig, free_ports  # noqa: E402

# The Debian packages each stack needs (tests/tools/deps.sh installs them).
PACKAGES = {"stunnel": "stunnel4", "lighttpd": "lighttpd lighttpd-mod-gnutls",
            "caddy": "caddy", "s_server": "openssl"}
BINARIES = {"stunnel": "stunnel4", "lighttpd": "lighttpd", "caddy": "caddy",
            "s_server": "openssl"}


def missing(stack):
    """Why `stack` cannot run here, or None."""
    for d in ("/usr/bin", "/usr/sbin", "/bin", "/sbin"):
        if os.access(os.path.join(d, BINARIES[stack]), os.X_OK):
            if stack == "lighttpd" and not os.path.exists("/usr/lib/lighttpd/mod_gnutls.so"):
                return "lighttpd-mod-gnutls is not installed (make deps)"
            return None
    return "%s is not installed (make deps: %s)" % (BINARIES[stack], PACKAGES[stack])


def _stunnel_conf(f):
    lines = ["foreground = yes", "pid =", "debug = 4", "output = %s" % f.log,
             "[files]", "accept = 127.0.0.1:%d" % f.port,
             "connect = 127.0.0.1:%d" % f.backend_port,
             "cert = %s" % f.chain, "key = %s" % f.key]
    if f.tls == "1.2":
        lines.append("sslVersionMax = TLSv1.2")
    elif f.tls == "1.3":
        lines.append("sslVersionMin = TLSv1.3")
    if f.server_pref:
        lines.append("options = CIPHER_SERVER_PREFERENCE")
    if f.ciphers:
        lines.append("ciphers = %s" % f.ciphers)
    path = os.path.join(f.workdir, "stunnel.conf")
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
    return ["stunnel4", path]


def _lighttpd_conf(f):
    docroot = os.path.join(f.workdir, "docroot")
    os.makedirs(docroot, exist_ok=True)
    cmds = []
    if f.tls == "1.2":
        cmds += ['"MinProtocol" => "TLSv1.2"', '"MaxProtocol" => "TLSv1.2"']
    elif f.tls == "1.3":
        cmds += ['"MinProtocol" => "TLSv1.3"']
    cmds.append('"Options" => "%sServerPreference"' % ("" if f.server_pref else "-"))
    text = """server.modules = ("mod_gnutls", "mod_proxy")
server.bind = "127.0.0.1"
server.port = {port}
server.document-root = "{docroot}"
server.errorlog = "{log}"
server.pid-file = "{pid}"
server.max-keep-alive-requests = {keepalive}
ssl.engine = "enable"
ssl.pemfile = "{chain}"
ssl.privkey = "{key}"
ssl.openssl.ssl-conf-cmd = ({cmds})
proxy.server = ("" => (("host" => "127.0.0.1", "port" => {backend})))
""".format(port=f.port, docroot=docroot, log=f.log, pid=os.path.join(f.workdir, "lighttpd.pid"),
           keepalive=100 if f.keepalive else 0, chain=f.chain, key=f.key, cmds=", ".join(cmds),
           backend=f.backend_port)
    path = os.path.join(f.workdir, "lighttpd.conf")
    with open(path, "w") as out:
        out.write(text)
    return ["lighttpd", "-D", "-f", path]


def _caddy_conf(f):
    versions = {"1.2": "tls1.2 tls1.2", "1.3": "tls1.3 tls1.3"}.get(f.tls, "tls1.2 tls1.3")
    text = """{{
    admin off
    auto_https off
    storage file_system {storage}
    log {{
        output file {log}
    }}
}}
https://localhost:{port} {{
    bind 127.0.0.1
    tls {chain} {key} {{
        protocols {versions}
    }}
    reverse_proxy 127.0.0.1:{backend}
}}
""".format(storage=os.path.join(f.workdir, "storage"), log=f.log, port=f.port, chain=f.chain,
           key=f.key, versions=versions, backend=f.backend_port)
    path = os.path.join(f.workdir, "Caddyfile")
    with open(path, "w") as out:
        out.write(text)
    return ["caddy", "run", "--adapter", "caddyfile", "--config", path]


def _s_server_args(f):
    docroot = os.path.join(f.workdir, "docroot")
    os.makedirs(docroot, exist_ok=True)
    # -cert takes the first certificate of a file: the rest of the chain goes in -cert_chain
    with open(f.chain) as src:
        pems = src.read().split("-----END CERTIFICATE-----")
    leaf = os.path.join(f.workdir, "leaf.crt")
    with open(leaf, "w") as out:
        out.write(pems[0] + "-----END CERTIFICATE-----\n")
    argv = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % f.port, "-cert", leaf,
            "-key", f.key, "-WWW", "-quiet", "-naccept", "1000"]
    rest = [p + "-----END CERTIFICATE-----\n" for p in pems[1:] if "BEGIN" in p]
    if rest:
        extra = os.path.join(f.workdir, "chain.crt")
        with open(extra, "w") as out:
            out.write("".join(rest))
        argv += ["-cert_chain", extra]
    if f.tls == "1.2":
        argv.append("-tls1_2")
    elif f.tls == "1.3":
        argv.append("-tls1_3")
    if f.server_pref:
        argv.append("-serverpref")
    if f.ciphers:
        argv += ["-cipher", f.ciphers]
    if f.groups:
        argv += ["-groups", f.groups]
    if f.sigalgs:
        argv += ["-sigalgs", f.sigalgs]
    f.cwd = docroot
    return argv


_CONF = {"stunnel": _stunnel_conf, "lighttpd": _lighttpd_conf, "caddy": _caddy_conf,
         "s_server": _s_server_args}


class Front:
    def __init__(self, stack, workdir, chain, key, backend_port=0, tls=None, server_pref=False,
                 keepalive=True, ciphers=None, groups=None, sigalgs=None):
        if stack not in _CONF:
            raise ValueError("unknown TLS stack %r" % stack)
        self.stack = stack
        self.workdir = os.path.abspath(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.chain, self.key = os.path.abspath(chain), os.path.abspath(key)
        self.backend_port = backend_port
        self.tls, self.server_pref, self.keepalive = tls, server_pref, keepalive
        self.ciphers, self.groups, self.sigalgs = ciphers, groups, sigalgs
        self.log = os.path.join(self.workdir, stack + ".log")
        self.cwd = self.workdir
        self.port = 0
        self.proc = None
        self._out = None

    @property
    def base(self):
        return "https://localhost:%d" % self.port

    def start(self, timeout=15):
        why = missing(self.stack)
        if why:
            raise RuntimeError(why)
        self.port = free_ports(1)[0]
        argv = _CONF[self.stack](self)
        env = dict(os.environ, HOME=self.workdir, XDG_DATA_HOME=self.workdir,
                   XDG_CONFIG_HOME=self.workdir)
        self._out = open(os.path.join(self.workdir, "stdout.log"), "ab")
        try:
            self.proc = subprocess.Popen(argv, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                                         stdout=self._out, stderr=self._out,
                                         start_new_session=True, preexec_fn=_set_pdeathsig,
                                         close_fds=True)
            self._wait(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited (%s): %s" % (self.stack, self.proc.returncode,
                                                          self.output()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("%s did not listen on 127.0.0.1:%d: %s" % (self.stack, self.port,
                                                                     self.output()))

    def output(self):
        text = ""
        for p in (os.path.join(self.workdir, "stdout.log"), self.log):
            try:
                with open(p, errors="replace") as f:
                    text += f.read()[-1500:]
            except OSError:
                pass
        return " | ".join(text.split("\n")[-12:])

    def stop(self):
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=5)
            except (ProcessLookupError, PermissionError, subprocess.TimeoutExpired):
                pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self._out is not None:
            self._out.close()
            self._out = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
