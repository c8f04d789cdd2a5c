#!/usr/bin/env python3
"""A scripted, misbehaving HTTP server for client tests: exact bytes, exact timing.

Every answer is written by hand as raw bytes, so a test controls the framing completely (a
truncated body, a bad chunk size, a header flood, a reset in the middle of a body...). The
server listens on 127.0.0.1 (a free port unless one is given), plain TCP or TLS, and runs each
connection in its own thread.

    with Hostile({
        "/ok":    [send(response(200, body=b"hello"))],
        "/cut":   [send(b"HTTP/1.1 200 OK\\r\\nContent-Length: 10\\r\\n\\r\\nabc"), close()],
        "/drip":  [send(head(200, length=100)), drip(b"x" * 100, interval=0.2)],
        "/reset": [send(head(200, length=10 ** 6)), send(b"y" * 5000), sleep(0.1), reset()],
        "/seq":   lambda req: [send(response(200 if req.count == 1 else 503))],
    }) as h:
        url = h.url("/ok")                # http://localhost:PORT/ok
        h.requests                         # what arrived (Request objects), oldest first
        h.connections                      # how many connections were accepted

Scripts
    A script maps a request path (without the query) to a list of actions, or to a function
    f(req) -> list of actions (req: a Request, see below; req.count tells which call of that
    path this is). "*" is the fallback; without one an unknown path answers 404.
    When the actions are done and the connection is still open, the server reads the next
    request on it (keep-alive), whatever the actions said in their headers.
    on_connect: actions run as soon as a connection is accepted, before any request is read
    (for peers that never speak HTTP: a TLS alert, a banner, silence); when they leave the
    connection open, requests are served as usual.

Actions (plain tuples; the helper functions below build them)
    send(data)                   write bytes (a str is encoded as latin-1)
    drip(data, interval, step=1) write data step bytes at a time, sleeping interval between
    sleep(seconds)               wait (ends early when the server stops)
    recv(n=65536, timeout=5)     read up to n bytes and drop them (e.g. a TLS ClientHello)
    shut_wr()                    shutdown(SHUT_WR): the peer sees an orderly end of stream
    close()                      close the connection (orderly FIN)
    reset()                      close with SO_LINGER 0: the peer gets a TCP RST
    flood(chunk, total)          write total bytes made of repeated chunk (large headers)
    drip_records(data, interval, step=1, upto=None)
                                 TLS: encrypt data (records of up to 16 KB) and drip the
                                 encrypted bytes, so the client waits inside one record;
                                 upto: send only that many of them (a record cut short);
                                 plain TCP: the same as drip (upto cuts the data)
    raw_send(data)               write bytes on the TCP socket, under any TLS (a bare alert,
                                 garbage in the record stream)
    close_notify()               TLS: send close_notify, then close; plain TCP: close()

TLS
    Hostile(script, tls=ssl_context_or_(certfile, keyfile)): every accepted connection does
    a TLS handshake first (on_connect actions then talk TLS records; use tls_raw=True to run
    on_connect on the raw TCP socket before any handshake, e.g. to send a bare alert).
    handshake_drip=(interval, step) sends the server's handshake flights step bytes at a
    time. TLS runs on memory BIOs (ssl.SSLObject), so the ciphertext is in the script's
    hands. reset() and shut_wr() act on the TCP socket underneath; close() and reset() send
    no close_notify (a truncation, as the client sees it); close_notify() sends one.
    tls_log: one entry per finished handshake, {"conn", "resumed", "version", "cipher"}.
    Assigning a new context to .tls takes effect with the next connection (a server that
    forgot its sessions, or changed its certificate).

Request (what the log holds)
    method, target, path, query, version, headers (list of (name, value)), body (bytes),
    conn (1-based connection serial), conn_request (1-based on that connection),
    count (1-based per path), time (time.monotonic()).
    header(name) returns the first value of a header (case-insensitive) or None.
"""

import socket
import ssl
import struct
import sys
import threading
import time

from netutil import shut_down

__all__ = ["Hostile", "Request", "send", "drip", "sleep", "recv", "shut_wr", "close", "reset",
           "flood", "drip_records", "raw_send", "close_notify", "response", "head", "chunked"]

REASONS = {100: "Continue", 103: "Early Hints", 200: "OK", 204: "No Content",
           206: "Partial Content", 301: "Moved Permanently", 302: "Found", 303: "See Other",
           307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request",
           403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}

_MAX_REQUEST_HEAD = 256 * 1024


# ---- actions -------------------------------------------------------------------------------

def _bytes(data):
    return data.encode("latin-1") if isinstance(data, str) else bytes(data)


def send(data):
    return ("send", _bytes(data))


def drip(data, interval, step=1):
    return ("drip", _bytes(data), float(interval), int(step))


def sleep(seconds):
    return ("sleep", float(seconds))


def recv(n=65536, timeout=5.0):
    return ("recv", int(n), float(timeout))


def shut_wr():
    return ("shut_wr",)


def close():
    return ("close",)


def reset():
    return ("reset",)


def flood(chunk, total):
    return ("flood", _bytes(chunk), int(total))


def drip_records(data, interval, step=1, upto=None):
    return ("drip_records", _bytes(data), float(interval), int(step), upto)


def raw_send(data):
    return ("raw_send", _bytes(data))


def close_notify():
    return ("close_notify",)


# ---- raw answer builders -------------------------------------------------------------------

def head(status=200, headers=(), length=None, reason=None, version="HTTP/1.1"):
    """A status line and header block (ending with the blank line) as bytes.
    headers: (name, value) pairs or "Name: value" strings, written in order, as given.
    length: adds Content-Length when not None."""
    lines = ["%s %d %s" % (version, status, REASONS.get(status, "Status") if reason is None
                           else reason)]
    for h in headers:
        lines.append(h if isinstance(h, str) else "%s: %s" % h)
    if length is not None:
        lines.append("Content-Length: %d" % length)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def response(status=200, body=b"", headers=(), length=True, version="HTTP/1.1"):
    """A whole answer: head (with Content-Length: len(body) unless length=False) and body."""
    body = _bytes(body)
    return head(status, headers, len(body) if length else None, version=version) + body


def chunked(*pieces, trailers=(), ext=""):
    """A chunked body (the bytes after the header block): each piece as one chunk, then the
    last chunk and the trailer fields. ext is appended to every chunk-size line."""
    out = b""
    for p in pieces:
        p = _bytes(p)
        out += b"%x%s\r\n" % (len(p), _bytes(ext)) + p + b"\r\n"
    out += b"0\r\n"
    for t in trailers:
        out += _bytes(t if isinstance(t, str) else "%s: %s" % t) + b"\r\n"
    return out + b"\r\n"


# ---- the server ----------------------------------------------------------------------------

class Request:
    def __init__(self, method, target, version, headers, body, conn, conn_request, count):
        self.method = method
        self.target = target
        self.path, _, self.query = target.partition("?")
        self.version = version
        self.headers = headers
        self.body = body
        self.conn = conn
        self.conn_request = conn_request
        self.count = count
        self.time = time.monotonic()

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def __repr__(self):
        return "<Request %s %s conn=%d#%d>" % (self.method, self.target, self.conn,
                                                self.conn_request)


class _Closed(Exception):
    pass


def _send_paced(sock, data, pace, stop):
    """sendall, or step bytes every interval when pace = (interval, step)."""
    if not pace:
        sock.sendall(data)
        return
    interval, step = pace
    for i in range(0, len(data), step):
        sock.sendall(data[i:i + step])
        if i + step < len(data) and stop.wait(interval):
            raise _Closed()


class _TLSConn:
    """Server-side TLS over a TCP socket through memory BIOs: the socket calls the serving
    code needs (sendall, recv, settimeout, close), plus the ciphertext of what it writes."""

    def __init__(self, raw, ctx):
        self.raw = raw
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self._in, self._out, server_side=True)

    def _fill(self):
        data = self.raw.recv(65536)
        if not data:
            return False
        self._in.write(data)
        return True

    def handshake(self, pace, stop):
        while True:
            try:
                self.obj.do_handshake()
            except ssl.SSLWantReadError:
                _send_paced(self.raw, self._out.read(), pace, stop)
                if not self._fill():
                    raise _Closed()
                continue
            _send_paced(self.raw, self._out.read(), pace, stop)
            return

    def encrypt(self, data):
        view = memoryview(data)
        while len(view):
            view = view[self.obj.write(view):]
        return self._out.read()

    def sendall(self, data):
        if data:
            self.raw.sendall(self.encrypt(data))

    def recv(self, n):
        while True:
            try:
                return self.obj.read(n)
            except ssl.SSLWantReadError:
                if not self._fill():
                    return b""
            except ssl.SSLZeroReturnError:
                return b""

    def close_notify(self):
        try:
            self.obj.unwrap()
        except ssl.SSLError:
            pass  # waits for the peer's close_notify: not ours to wait for
        self.raw.sendall(self._out.read())

    def settimeout(self, t):
        self.raw.settimeout(t)

    def close(self):
        self.raw.close()


class Hostile:
    def __init__(self, script=None, on_connect=None, tls=None, tls_raw=False, port=0,
                 host="localhost", read_timeout=30.0, handshake_drip=None):
        self.script = dict(script or {})
        self.on_connect = list(on_connect or [])
        self.host = host
        self.read_timeout = read_timeout
        self.tls_raw = tls_raw
        self.handshake_drip = handshake_drip
        if isinstance(tls, tuple):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls[0], tls[1])
            tls = ctx
        self.tls = tls
        self.requests = []
        self.errors = []          # exceptions seen while serving (TLS handshakes...)
        self.tls_log = []         # finished TLS handshakes
        self.connections = 0
        self._counts = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._socks = set()
        self._threads = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._listener.settimeout(0.2)  # accept() wakes up to notice stop()
        self._accepter = threading.Thread(target=self._accept_loop, name="hostile-accept",
                                          daemon=True)
        self._accepter.start()

    # ---- addresses and log ----

    @property
    def base(self):
        return "%s://%s:%d" % ("https" if self.tls else "http", self.host, self.port)

    def url(self, path="/"):
        return self.base + path

    def requests_for(self, path):
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # ---- life cycle ----

    def stop(self):
        """Stop accepting, close every connection, wait for the threads (idempotent)."""
        if self._stop.is_set():
            return
        self._stop.set()
        try:
            self._listener.close()
        except OSError:
            pass
        with self._lock:
            socks = list(self._socks)
        for s in socks:
            shut_down(s)
            try:
                s.close()
            except OSError:
                pass
        self._accepter.join(5)
        for t in list(self._threads):
            t.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- internals ----

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                s, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                serial = self.connections
                self._socks.add(s)
            t = threading.Thread(target=self._serve, args=(s, serial),
                                 name="hostile-conn-%d" % serial, daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, raw, serial):
        sock = raw
        buf = bytearray()
        try:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls is not None and self.tls_raw:
                if self._run(raw, raw, self.on_connect, buf):
                    return
            if self.tls is not None:
                raw.settimeout(self.read_timeout)
                sock = _TLSConn(raw, self.tls)
                try:
                    sock.handshake(self.handshake_drip, self._stop)
                except (ssl.SSLError, OSError) as e:
                    self.errors.append(e)
                    return
                cipher = sock.obj.cipher()
                with self._lock:
                    self.tls_log.append({"conn": serial, "resumed": sock.obj.session_reused,
                                         "version": sock.obj.version(),
                                         "cipher": cipher[0] if cipher else None})
            if not (self.tls is not None and self.tls_raw):
                if self._run(sock, raw, self.on_connect, buf):
                    return
            n = 0
            while not self._stop.is_set():
                req = self._read_request(sock, buf, serial, n + 1)
                if req is None:
                    return
                n += 1
                with self._lock:
                    self.requests.append(req)
                actions = self._actions_for(req)
                if self._run(sock, raw, actions, buf):
                    return
        except (_Closed, OSError, ssl.SSLError) as e:
            if not self._stop.is_set() and not isinstance(e, (_Closed, ConnectionError)):
                self.errors.append(e)
        finally:
            with self._lock:
                self._socks.discard(raw)
            try:
                raw.close()
            except OSError:
                pass

    def _actions_for(self, req):
        entry = self.script.get(req.path, self.script.get("*"))
        if entry is None:
            return [send(response(404, b"no script for this path\n"))]
        return list(entry(req) if callable(entry) else entry)

    def _read_request(self, sock, buf, serial, conn_request):
        sock.settimeout(self.read_timeout)
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(buf) > _MAX_REQUEST_HEAD:
                raise _Closed()
            try:
                data = sock.recv(65536)
            except socket.timeout:
                return None
            if not data:
                return None
            buf += data
        text = bytes(buf[:end]).decode("latin-1")
        del buf[:end + 4]
        lines = text.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            raise _Closed()
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        length = 0
        for k, v in headers:
            if k.lower() == "content-length":
                length = int(v)
        while len(buf) < length:
            data = sock.recv(65536)
            if not data:
                return None
            buf += data
        body = bytes(buf[:length])
        del buf[:length]
        path = parts[1].partition("?")[0]
        with self._lock:
            self._counts[path] = self._counts.get(path, 0) + 1
            count = self._counts[path]
        return Request(parts[0], parts[1], parts[2], headers, body, serial, conn_request, count)

    def _wait(self, seconds):
        return self._stop.wait(seconds)

    def _run(self, sock, raw, actions, buf):
        """Run actions; True when the connection is finished (closed, reset, stopping)."""
        for act in actions:
            if self._stop.is_set():
                return True
            kind = act[0]
            if kind == "send":
                sock.sendall(act[1])
            elif kind == "drip":
                data, interval, step = act[1], act[2], act[3]
                for i in range(0, len(data), step):
                    sock.sendall(data[i:i + step])
                    if i + step < len(data) and self._wait(interval):
                        return True
            elif kind == "sleep":
                if self._wait(act[1]):
                    return True
            elif kind == "recv":
                sock.settimeout(act[2])
                try:
                    sock.recv(act[1])
                except socket.timeout:
                    pass
            elif kind == "flood":
                chunk, total = act[1], act[2]
                block = chunk * max(1, 65536 // max(1, len(chunk)))
                sent = 0
                while sent < total:
                    piece = block[:total - sent]
                    sock.sendall(piece)
                    sent += len(piece)
            elif kind == "drip_records":
                data = sock.encrypt(act[1]) if isinstance(sock, _TLSConn) else act[1]
                if act[4] is not None:
                    data = data[:act[4]]
                try:
                    _send_paced(raw, data, (act[2], act[3]), self._stop)
                except _Closed:
                    return True
            elif kind == "raw_send":
                raw.sendall(act[1])
            elif kind == "close_notify":
                if isinstance(sock, _TLSConn):
                    sock.close_notify()
                return True
            elif kind == "shut_wr":
                raw.shutdown(socket.SHUT_WR)
            elif kind == "close":
                return True  # _serve closes (FIN)
            elif kind == "reset":
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                raw.close()
                return True
            else:
                raise ValueError("unknown action %r" % (kind,))
        return False


def main(argv):
    """python3 hostile.py: a demo server with a few misbehaving paths, until Ctrl-C."""
    script = {
        "/ok": [send(response(200, b"hello\n"))],
        "/truncated": [send(head(200, length=100) + b"only this"), close()],
        "/reset": [send(head(200, length=100000) + b"x" * 5000), sleep(0.1), reset()],
        "/drip": [send(head(200, length=20)), drip(b"abcdefghijklmnopqrst", 0.5)],
    }
    with Hostile(script) as h:
        for p in sorted(script):
            print(h.url(p))
        sys.stdout.flush()
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
