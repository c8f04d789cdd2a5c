#!/usr/bin/env python3
"""A TCP relay that caps each connection's rate, as an object store that limits one stream or
a long path whose window limits one TCP connection does: N connections get N times the rate
(up to what the machine can move), where `tc tbf` would cap their sum. netem is missing in
this kernel, so this stands in for it in the benchmarks.

    python3 relay.py --listen 127.0.0.1:0 --to 127.0.0.1:PORT --rate BYTES_PER_S
        prints "relay: listening on 127.0.0.1:N" once ready; runs until killed.

Bytes are copied as they are (TLS passes through untouched); only the server-to-client
direction is paced: at most rate x seconds-since-the-connection-opened bytes, plus one
chunk of 64 KiB.
"""

import argparse
import socket
import sys
import threading
import time

CHUNK = 64 * 1024


def pump(src, dst, rate):
    start = time.monotonic()
    sent = 0
    try:
        while True:
            data = src.recv(CHUNK)
            if not data:
                break
            if rate:
                ahead = sent / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
            dst.sendall(data)
            sent += len(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass


def serve(client, target, rate):
    try:
        upstream = socket.create_connection(target)
    except OSError:
        client.close()
        return
    for s in (client, upstream):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    up = threading.Thread(target=pump, args=(client, upstream, 0), daemon=True)
    up.start()
    pump(upstream, client, rate)
    up.join()
    client.close()
    upstream.close()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--to", required=True, help="HOST:PORT to relay to")
    ap.add_argument("--rate", type=int, required=True, help="bytes/s per connection")
    a = ap.parse_args(argv)
    lh, lp = a.listen.rsplit(":", 1)
    th, tp = a.to.rsplit(":", 1)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((lh, int(lp)))
    ls.listen(64)
    print("relay: listening on %s:%d" % ls.getsockname(), flush=True)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c, (th, int(tp)), a.rate), daemon=True).start()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except KeyboardInterrupt:
        pass
