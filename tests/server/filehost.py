#!/usr/bin/env python3
"""The file host: a real nginx with TLS, serving files behind S3-like pre-signed links.

nginx runs in the foreground as a child process from a config written into a private folder.
It listens on 127.0.0.1 with TLS (the main file host), on a second port over plain HTTP (same
files, for HTTP-engine tests), and optionally on one TLS port per "variant" certificate
(expired, wrongname, ...) for TLS failure tests.

Links look like S3 pre-signed URLs:

    https://localhost:PORT/gio-export/<path>?X-Amz-Algorithm=AWS4-HMAC-SHA256
        &X-Amz-Credential=...&X-Amz-Date=...&X-Amz-Expires=<ttl>&X-Amz-SignedHeaders=host
        &Expires=<epoch>&X-Amz-Signature=<base64url md5>

nginx's secure_link module checks Expires and X-Amz-Signature (md5 of "<Expires><uri> <secret>");
a tampered or expired link answers 403 with an S3-style XML error. Per-file answer headers
(x-amz-meta-md5-hash, Content-MD5 on full answers only, or a deliberately wrong hash) and
bandwidth limits come from nginx maps on $uri that are rewritten, and nginx reloaded, whenever a
file is added. The access log is JSON lines (see LOG_FIELDS).

Use from Python (see harness.py); `python3 filehost.py DIR FILE...` serves files for a quick look.
"""

import base64
import hashlib
import json
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

BUCKET = "gio-export"

# md5 modes a file can have: which hash headers its answers carry.
MD5_MODES = ("hex", "none", "content-md5", "both", "wrong", "wrong-content-md5")

LOG_FIELDS = [
    ("time", "$time_iso8601"), ("msec", "$msec"), ("method", "$request_method"),
    ("uri", "$request_uri"), ("path", "$uri"), ("args", "$args"), ("status", "$status"),
    ("bytes_sent", "$bytes_sent"), ("body_bytes_sent", "$body_bytes_sent"),
    ("authorization", "$http_authorization"), ("x_client_id", "$http_x_client_id"),
    ("proxy_authorization", "$http_proxy_authorization"), ("cookie", "$http_cookie"),
    ("range", "$http_range"), ("host", "$http_host"), ("user_agent", "$http_user_agent"),
    ("connection_header", "$http_connection"), ("scheme", "$scheme"),
    ("server_port", "$server_port"), ("connection", "$connection"),
    ("connection_requests", "$connection_requests"), ("request_time", "$request_time"),
    ("ssl_protocol", "$ssl_protocol"), ("ssl_cipher", "$ssl_cipher"),
    ("sni", "$ssl_server_name"), ("secure_link", "$secure_link"),
    ("ssl_session_reused", "$ssl_session_reused"),
]
_INT_FIELDS = ("status", "bytes_sent", "body_bytes_sent", "server_port", "connection",
               "connection_requests")

# Characters a served path may hold (they go into nginx config strings unescaped).
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._~!*'()+,:@=%/ \-\u0080-\U0010ffff]*$")


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (bound to port 0, read back, released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def signature(path, expires, secret):
    """secure_link_md5 "$secure_link_expires$uri <secret>", base64url without padding."""
    raw = hashlib.md5(("%d%s %s" % (expires, path, secret)).encode("utf-8")).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def signed_query(path, ttl_s, secret, now=None):
    """The query string of a pre-signed link for path (decoded form, as nginx's $uri)."""
    now = int(time.time() if now is None else now)
    expires = now + int(ttl_s)
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    cred = "AKIAGIOFETCHTEST0000/%s/cn-north-1/s3/aws4_request" % amz_date[:8]
    return ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s&X-Amz-Date=%s"
            "&X-Amz-Expires=%d&X-Amz-SignedHeaders=host&Expires=%d&X-Amz-Signature=%s"
            % (urllib.parse.quote(cred, safe=""), amz_date, int(ttl_s), expires,
               signature(path, expires, secret)))


def _set_pdeathsig():
    """In the child: get SIGTERM when the parent dies, so nginx never outlives its runner."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _children(pid):
    """pids whose parent is pid (from /proc)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields and int(fields[1]) == pid:
            out.append(int(name))
    return out


def _listen_inodes(ports, listen="127.0.0.1"):
    """Socket inodes of the TCP listeners on listen:port for the given ports."""
    hexaddr = "%08X" % int.from_bytes(socket.inet_aton(listen), "little")
    want = {"%s:%04X" % (hexaddr, p) for p in ports}
    inodes = set()
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                cols = line.split()
                if len(cols) > 9 and cols[1] in want and cols[3] == "0A":
                    inodes.add("socket:[%s]" % cols[9])
    except OSError:
        pass
    return inodes


def _holds_any(pid, targets):
    """True if process pid still has one of the targets (readlink of its fds) open."""
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) in targets:
                return True
        except OSError:
            continue
    return False


def _nginx_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _nginx_server(port, host, loc, cert=None, directives="", listen="127.0.0.1"):
    """One nginx server block on listen:port serving loc; cert (crt, key) makes it TLS,
    directives go before the locations."""
    lines = ""
    if cert:
        lines += "        ssl_certificate %s;\n        ssl_certificate_key %s;\n" % (
            _nginx_str(cert[0]), _nginx_str(cert[1]))
    if directives:
        lines += "        %s\n" % directives
    return """
    server {{
        listen {listen}:{port}{ssl};
        server_name {host};
{lines}{loc}
    }}""".format(listen=listen, port=port, ssl=" ssl" if cert else "", host=host, lines=lines, loc=loc)


class FileHost:
    """nginx serving a docroot behind signed links.

    pki: dict name -> (crt, key) as returned by pki.make_pki(); "server" is the main cert.
    variants: names of pki entries that each get their own TLS port (same files).
    custom: {name: {"cert": pki entry (default "server"), "directives": "nginx text;",
             "tls": True}}: more listeners serving the same files, each on its own port,
             with extra server-level directives (e.g. "keepalive_requests 1;" or
             "ssl_session_tickets off;"); "tls": False makes a plain HTTP one. They are
             reached like variants (variant_bases, origin=name).
    """

    def __init__(self, workdir, pki, port=0, http_port=0, variants=(), secret=None,
                 host="localhost", nginx="nginx", custom=None, listen="127.0.0.1"):
        self.workdir = os.path.abspath(workdir)
        self.docroot = os.path.join(self.workdir, "docroot")
        self.pki = pki
        self.host = host
        self.listen = listen  # 0.0.0.0 inside a test's own namespace (lwIP over a TAP)
        self.nginx = nginx
        self.secret = secret or hashlib.sha256(os.urandom(16)).hexdigest()[:24]
        self.variants = list(variants)
        self.custom = dict(custom or {})
        self._want_ports = (port, http_port)
        self.port = port
        self.http_port = http_port
        self.variant_ports = {}
        self.proc = None
        self.files = {}  # url path -> {"md5": hex, "size": n, "md5_mode": m, "rate": r}
        self._gen = 0
        self._lock = threading.RLock()
        self.log_path = os.path.join(self.workdir, "access.log")
        self.error_log = os.path.join(self.workdir, "error.log")
        os.makedirs(self.docroot, exist_ok=True)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(self.workdir, "tmp", sub), exist_ok=True)

    # ---- addresses ---------------------------------------------------------------------

    @property
    def base(self):
        return "https://%s:%d" % (self.host, self.port)

    @property
    def base_http(self):
        return "http://%s:%d" % (self.host, self.http_port)

    @property
    def variant_bases(self):
        return {n: "%s://%s:%d" % ("http" if self.custom.get(n, {}).get("tls") is False
                                   else "https", self.host, p)
                for n, p in self.variant_ports.items()}

    def origin_base(self, origin="https"):
        """Base URL for an origin name: https (default), http, or a variant name."""
        if origin in (None, "", "https", "file"):
            return self.base
        if origin in ("http", "file_http"):
            return self.base_http
        if origin in self.variant_ports:
            return self.variant_bases[origin]
        raise ValueError("unknown file host origin %r" % origin)

    def sign_url(self, path, ttl_s, origin="https", base=None, now=None):
        """A pre-signed link for a served path (decoded, starting with /), valid ttl_s seconds."""
        quoted = urllib.parse.quote(path, safe="/!*'()+,:@=~-._")
        return "%s%s?%s" % (base or self.origin_base(origin), quoted,
                            signed_query(path, ttl_s, self.secret, now))

    # ---- files ---------------------------------------------------------------------------

    def file_path(self, path):
        return os.path.join(self.docroot, path.lstrip("/"))

    def _check_path(self, path):
        if not _SAFE_PATH.match(path) or "/../" in path + "/" or "/./" in path + "/" \
                or "//" in path:
            raise ValueError("path not servable as-is: %r" % path)

    def put(self, path, data=None, size=None, src=None, md5="hex", rate=0, seed=None,
            reload=True):
        """Store a file at url path `path` and register its headers; returns its md5 hex.

        Exactly one of data (bytes), size (deterministic pseudo-random bytes, seeded by path
        or seed) or src (a file to copy) gives the content. md5: one of MD5_MODES. rate:
        bytes/s limit for its answers (0: none). reload=False batches several puts (call
        reload() after).
        """
        self._check_path(path)
        if md5 not in MD5_MODES:
            raise ValueError("md5 mode %r not in %s" % (md5, MD5_MODES))
        dest = self.file_path(path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        h = hashlib.md5()
        tmp = dest + ".tmp-%d" % os.getpid()
        with open(tmp, "wb") as f:
            if data is not None:
                f.write(data)
                h.update(data)
                n = len(data)
            elif size is not None:
                rng = random.Random("filehost|%s" % (path if seed is None else seed))
                n = 0
                while n < size:
                    chunk = rng.getrandbits(8 * min(1 << 20, size - n)).to_bytes(
                        min(1 << 20, size - n), "little")
                    f.write(chunk)
                    h.update(chunk)
                    n += len(chunk)
            elif src is not None:
                with open(src, "rb") as s:
                    n = 0
                    while True:
                        chunk = s.read(1 << 20)
                        if not chunk:
                            break
                        f.write(chunk)
                        h.update(chunk)
                        n += len(chunk)
            else:
                raise ValueError("put() needs data, size or src")
        os.replace(tmp, dest)
        with self._lock:
            self.files[path] = {"md5": h.hexdigest(), "size": n, "md5_mode": md5,
                                "rate": int(rate or 0),
                                "md5_b64": base64.b64encode(h.digest()).decode("ascii")}
            if reload and self.proc is not None:
                self.reload()
        return h.hexdigest()

    def has(self, path, md5_mode=None, rate=None):
        with self._lock:
            f = self.files.get(path)
            return bool(f) and (md5_mode is None or f["md5_mode"] == md5_mode) and \
                (rate is None or f["rate"] == int(rate or 0))

    # ---- nginx config --------------------------------------------------------------------

    def _maps(self):
        hexmap, cmd5, rates = [], [], []
        for path, f in sorted(self.files.items()):
            key = _nginx_str(path)
            mode = f["md5_mode"]
            if mode in ("hex", "both"):
                hexmap.append("    %s %s;" % (key, f["md5"]))
            elif mode == "wrong":
                hexmap.append("    %s %s;" % (key, hashlib.md5(f["md5"].encode()).hexdigest()))
            if mode in ("content-md5", "both"):
                cmd5.append("    %s %s;" % (key, _nginx_str(f["md5_b64"])))
            elif mode == "wrong-content-md5":
                wrong = base64.b64encode(hashlib.md5(f["md5"].encode()).digest()).decode()
                cmd5.append("    %s %s;" % (key, _nginx_str(wrong)))
            if f["rate"]:
                rates.append("    %s %d;" % (key, f["rate"]))
        return ("map $uri $gio_md5_hex {\n    default \"\";\n%s\n}\n"
                "map $uri $gio_cmd5_full {\n    default \"\";\n%s\n}\n"
                "map $uri $gio_rate {\n    default 0;\n%s\n}\n"
                % ("\n".join(hexmap), "\n".join(cmd5), "\n".join(rates)))

    def _config(self):
        w = self.workdir
        tmp = os.path.join(w, "tmp")
        log_format = "{" + ",".join('"%s":"%s"' % (k, v) for k, v in LOG_FIELDS) + "}"
        files_loc = """
        location = /_gen {{ default_type text/plain; return 200 "{gen}\\n"; }}
        location / {{
            root {docroot};
            secure_link $gio_amz_signature,$arg_Expires;
            secure_link_md5 "$secure_link_expires$uri {secret}";
            if ($secure_link = "") {{ set $gio_deny "The request signature we calculated does not match the signature you provided."; return 403; }}
            if ($secure_link = "0") {{ set $gio_deny "Request has expired"; return 403; }}
            limit_rate $gio_rate;
            add_header x-amz-meta-md5-hash $gio_md5_hex;
            add_header Content-MD5 $gio_content_md5;
            add_header x-amz-request-id $request_id;
            error_page 403 @denied;
        }}
        location @denied {{
            types {{ }}
            default_type application/xml;
            return 403 '<?xml version="1.0" encoding="UTF-8"?>\\n<Error><Code>AccessDenied</Code><Message>$gio_deny</Message><RequestId>$request_id</RequestId></Error>\\n';
        }}
""".format(gen=self._gen, docroot=_nginx_str(self.docroot), secret=self.secret)
        at = self.listen
        servers = [_nginx_server(self.port, self.host, files_loc, self.pki["server"], listen=at),
                   _nginx_server(self.http_port, self.host, files_loc, listen=at)]
        for name in self.variants:
            servers.append(_nginx_server(self.variant_ports[name], self.host, files_loc,
                                         self.pki[name], listen=at))
        for name, spec in sorted(self.custom.items()):
            cert = self.pki[spec.get("cert", "server")] if spec.get("tls", True) else None
            servers.append(_nginx_server(self.variant_ports[name], self.host, files_loc, cert,
                                         spec.get("directives", ""), listen=at))
        user = "user root;\n" if os.geteuid() == 0 else ""
        return """# generated by filehost.py
daemon off;
master_process on;
{user}worker_processes 1;
pid {pid};
error_log {errlog} info;
events {{ worker_connections 512; }}
http {{
    types {{ application/gzip gz; text/csv csv; text/plain txt; application/json json; }}
    default_type application/octet-stream;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 60s;
    keepalive_requests 10000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    ssl_protocols TLSv1.2 TLSv1.3;
    map_hash_bucket_size 256;
    map_hash_max_size 65536;
    log_format gio_json escape=json '{log_format}';
    access_log {access} gio_json;
    map $args $gio_amz_signature {{
        default "";
        "~(?:^|&)X-Amz-Signature=([A-Za-z0-9_-]+)(?:&|$)" $1;
    }}
    map $http_range $gio_content_md5 {{
        "" $gio_cmd5_full;
        default "";
    }}
    include {maps};
{servers}
}}
""".format(user=user, pid=_nginx_str(os.path.join(w, "nginx.pid")),
           errlog=_nginx_str(self.error_log), tmp=tmp, log_format=log_format,
           access=_nginx_str(self.log_path), maps=_nginx_str(os.path.join(w, "maps.conf")),
           servers="\n".join(servers))

    def _write_config(self):
        self._gen += 1
        for name, text in (("maps.conf", self._maps()), ("nginx.conf", self._config())):
            p = os.path.join(self.workdir, name)
            with open(p + ".new", "w") as f:
                f.write(text)
            os.replace(p + ".new", p)

    # ---- process -------------------------------------------------------------------------

    def start(self, timeout=10):
        """Start nginx; waits until it answers. Retries with new ports if a port was taken."""
        for attempt in range(5):
            want_port, want_http = self._want_ports
            auto = [p for p in (want_port, want_http) if not p]
            extra = self.variants + sorted(self.custom)
            n = 2 + len(extra)
            ports = free_ports(n)
            self.port = want_port or ports[0]
            self.http_port = want_http or ports[1]
            self.variant_ports = dict(zip(extra, ports[2:]))
            self._write_config()
            try:
                self._spawn(timeout)
                return self
            except RuntimeError as e:
                self.stop()
                if "Address already in use" in str(e) and (auto or extra) \
                        and attempt < 4:
                    continue
                raise

    def _spawn(self, timeout):
        conf = os.path.join(self.workdir, "nginx.conf")
        self._stderr = open(os.path.join(self.workdir, "nginx.stderr"), "ab")
        cmd = [self.nginx, "-p", self.workdir + "/", "-c", conf, "-e", self.error_log]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._stderr,
                                     stderr=self._stderr, start_new_session=True,
                                     preexec_fn=_set_pdeathsig, close_fds=True)
        self._wait_gen(self._gen, timeout)

    def _wait_gen(self, gen, timeout):
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited (%s): %s" % (self.proc.returncode,
                                                             self._errors()))
            try:
                with socket.create_connection(("127.0.0.1", self.http_port), timeout=2) as s:
                    s.sendall(b"GET /_gen HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    buf = b""
                    while True:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        buf += chunk
                body = buf.split(b"\r\n\r\n", 1)[-1].strip()
                if body == str(gen).encode():
                    seen += 1
                    if seen >= 2:
                        return
                    continue
                seen = 0
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("nginx did not answer with config generation %d: %s"
                           % (gen, self._errors()))

    def _errors(self):
        out = []
        for p in (self.error_log, os.path.join(self.workdir, "nginx.stderr")):
            try:
                with open(p, errors="replace") as f:
                    out += [l.strip() for l in f if "[emerg]" in l or "[alert]" in l
                            or "[crit]" in l]
            except OSError:
                pass
        return " | ".join(out[-5:]) or "(no error logged)"

    def _ports(self):
        return [self.port, self.http_port] + list(self.variant_ports.values())

    def reload(self, timeout=10):
        """Rewrite the config (maps included) and reload nginx. Returns once the new workers
        answer and no old worker still accepts connections (an old worker may go on
        finishing transfers it had started, with the old headers)."""
        with self._lock:
            self._write_config()
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError("nginx is not running: %s" % self._errors())
            old = _children(self.proc.pid)
            self.proc.send_signal(signal.SIGHUP)
            self._wait_gen(self._gen, timeout)
            listeners = _listen_inodes(self._ports(), self.listen)
            deadline = time.monotonic() + timeout
            while any(_holds_any(p, listeners) for p in old):
                if time.monotonic() > deadline:
                    raise RuntimeError("old nginx workers still accept after reload")
                time.sleep(0.005)

    def stop(self):
        """Stop nginx and every process of its group (no orphan workers)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                try:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        f = getattr(self, "_stderr", None)
        if f is not None:
            f.close()
            self._stderr = None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # ---- access log ----------------------------------------------------------------------

    def log_offset(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def requests(self, since=0):
        """Parsed access log entries (dicts, LOG_FIELDS keys; numbers as int) from offset."""
        out = []
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                data = f.read()
        except OSError:
            return out
        for line in data.decode("utf-8", "replace").splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("path") == "/_gen":
                continue
            for k in _INT_FIELDS:
                try:
                    e[k] = int(e[k])
                except (KeyError, ValueError):
                    pass
            out.append(e)
        return out


def main(argv):
    """python3 filehost.py WORKDIR [FILE...]: serve files, print signed links, run until killed."""
    import pki as pkimod
    if len(argv) < 2:
        sys.stderr.write("usage: %s WORKDIR [FILE...]\n" % argv[0])
        return 2
    work = os.path.abspath(argv[1])
    fh = FileHost(os.path.join(work, "filehost"), pkimod.make_pki(os.path.join(work, "pki")))
    for src in argv[2:]:
        fh.put("/%s/local/%s" % (BUCKET, os.path.basename(src)), src=src, reload=False)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    fh.start()
    try:
        print("file_base=%s" % fh.base)
        print("file_base_http=%s" % fh.base_http)
        print("ca_file=%s" % fh.pki["ca"][0])
        for path in sorted(fh.files):
            print(fh.sign_url(path, 3600))
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        fh.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
