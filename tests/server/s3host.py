#!/usr/bin/env python3
"""A second file host that answers as S3 really does: s3rver (npm) over TLS, driven by
s3host.js, with links presigned by the minio client.

    with S3Host(workdir, pki_files) as s3:     # pki_files: pki.files(...) / Servers.pki
        s3.base                    https://localhost:PORT (certificate: pki "server")
        s3.put("a/b.csv.gz", data, meta={"md5-hash": hex})   -> the object's ETag (no quotes)
        s3.presign("a/b.csv.gz", expires=300)                 SigV4 link (minio client)
        s3.presign("a/b.csv.gz", expires=60, date=time.time() - 3600)   an expired link
        s3.presign_v2("a/b.csv.gz", expires_at, secret="wrong")        SigV2, bad signature
        s3.get(url, headers)       (status, headers dict, body) straight from s3rver
        s3.log()                   s3rver's request log (one "<-- GET /..." / "--> GET /... 416"
                                   line per request and answer)

The npm packages (s3rver 3.7.1, minio 8.0.7) are installed by `make deps` into
build/npm/node_modules; available() says why they cannot be used when they are not there.
stop() ends node by its pid (idempotent; also at interpreter exit).
"""

import atexit
import base64
import hashlib
import hmac
import http.client
import json
import os
import shutil
import ssl
import subprocess
import threading
import time
import urllib.parse
import urllib.request

from netutil import call, url_target

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NODE_MODULES = os.path.join(ROOT, "build", "npm", "node_modules")
SCRIPT = os.path.join(HERE, "s3host.js")
BUCKET = "gio-exports"


def available():
    """None when s3host.js can run, else why not."""
    if shutil.which("node") is None:
        return "node is not installed (make deps installs it)"
    for pkg in ("s3rver", "minio"):
        if not os.path.isdir(os.path.join(NODE_MODULES, pkg)):
            return "npm package %s is not in %s (make deps installs it)" % (pkg, NODE_MODULES)
    return None


class S3Host:
    def __init__(self, workdir, pki_files, bucket=BUCKET, start=True):
        self.workdir = os.path.abspath(workdir)
        self.bucket = bucket
        self.cert, self.key = pki_files["server"]
        self.ca_file = pki_files["ca"][0]
        self.proc = None
        self.port = self.presign_port = None
        self.log_path = os.path.join(self.workdir, "s3rver.log")
        self._ssl = ssl.create_default_context(cafile=self.ca_file)
        if start:
            self.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def base(self):
        return "https://localhost:%d" % self.port

    def start(self):
        why = available()
        if why:
            raise RuntimeError(why)
        data = os.path.join(self.workdir, "data")
        os.makedirs(data, exist_ok=True)
        env = dict(os.environ, NODE_PATH=NODE_MODULES)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["node", SCRIPT, "--dir", data, "--cert", self.cert, "--key", self.key,
             "--bucket", self.bucket],
            stdout=subprocess.PIPE, stderr=self._log, env=env, cwd=self.workdir)
        atexit.register(self.stop)
        line = [None]

        def read_first():
            line[0] = self.proc.stdout.readline()

        t = threading.Thread(target=read_first, daemon=True)
        t.start()
        t.join(30)
        if not line[0]:
            self.stop()
            raise RuntimeError("s3host.js did not start; its log: %s" % self.log()[-2000:])
        # s3rver logs on stdout: copy the rest of it to the log, so the pipe never fills
        threading.Thread(target=self._copy_log, args=(self.proc.stdout,), daemon=True).start()
        info = json.loads(line[0].decode())
        self.port, self.presign_port = info["port"], info["presign_port"]
        self.access_key, self.secret_key = info["access_key"], info["secret_key"]
        return self

    def _copy_log(self, stream):
        for chunk in iter(lambda: stream.readline(), b""):
            try:
                self._log.write(chunk)
                self._log.flush()
            except ValueError:  # closed by stop()
                return

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
            self._log.close()

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # ---- objects and links ----------------------------------------------------------------

    def _conn(self):
        return http.client.HTTPSConnection("localhost", self.port, context=self._ssl, timeout=30)

    def put(self, key, data, meta=None):
        """Store an object (anonymous PUT, as s3rver allows); returns its ETag without quotes."""
        headers = {"Content-Length": str(len(data)), "Content-Type": "application/gzip"}
        for k, v in (meta or {}).items():
            headers["x-amz-meta-" + k] = v
        c = self._conn()
        try:
            status, got, body = call(c, "PUT", "/%s/%s" % (self.bucket, urllib.parse.quote(key)),
                                     body=data, headers=headers)
        finally:
            c.close()
        if status != 200:
            raise RuntimeError("PUT %s: %d %s" % (key, status, body[:300]))
        return (got.get("etag") or "").strip('"')

    def presign(self, key, expires=300, date=None):
        """A SigV4 presigned GET link from the minio client; date backdates it."""
        q = {"key": key, "expires": str(int(expires))}
        if date is not None:
            q["date"] = str(int(date))
        url = "http://127.0.0.1:%d/presign?%s" % (self.presign_port, urllib.parse.urlencode(q))
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.read().decode()

    def presign_v2(self, key, expires_at, secret=None):
        """A SigV2 presigned GET link (query Signature), signed with secret (default: the
        account's; another one gives SignatureDoesNotMatch, which s3rver checks for V2)."""
        path = "/%s/%s" % (self.bucket, urllib.parse.quote(key))
        to_sign = "GET\n\n\n%d\n%s" % (int(expires_at), path)
        mac = hmac.new((secret or self.secret_key).encode(), to_sign.encode(), hashlib.sha1)
        sig = base64.b64encode(mac.digest()).decode()
        return "%s%s?%s" % (self.base, path, urllib.parse.urlencode(
            {"AWSAccessKeyId": self.access_key, "Expires": str(int(expires_at)),
             "Signature": sig}))

    def get(self, url, headers=None):
        """GET a link straight from s3rver: (status, {lower-case name: value}, body)."""
        c = self._conn()
        try:
            return call(c, "GET", url_target(url), headers=headers)
        finally:
            c.close()

    def wait_log(self, text, timeout=5.0):
        """True once text appears in the request log (the logger writes asynchronously)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.log():
                return True
            time.sleep(0.05)
        return text in self.log()
