"""Network helpers shared by the test servers (gioserver.py, hostile.py, s3host.py) and the
tests that talk to them; standard library only."""

import socket
import urllib.parse


def shut_down(sock):
    """shutdown(SHUT_RDWR): the peer sees the end at once, and a thread blocked reading sock
    wakes up. A connection the peer already dropped is no error."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def url_target(url):
    """The request target of a URL: its path and query."""
    u = urllib.parse.urlsplit(url)
    return u.path + ("?" + u.query if u.query else "")


def call(conn, method, target, body=None, headers=None):
    """One request on an http.client connection, its answer read whole:
    (status, {lower-case header name: value}, body). The connection stays open."""
    conn.request(method, target, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data
