#!/usr/bin/env python3
"""A DNS responder for the tests that run a TCP/IP stack of their own (lwIP).

    python3 tests/server/dnsd.py --listen 192.0.2.1 [--port 53] --map NAME=IPV4 [--map ...]

Answers A queries for the mapped names (case-insensitive, RFC 4343) with one
address and a TTL of 60 s; any other name gets NXDOMAIN, any other query
type an empty answer (NOERROR, RFC 2308 "NODATA"). Over UDP only (RFC 1035
section 4.2.1), which is all lwIP's resolver speaks. Prints "ready" on stdout
once bound, then serves until killed. It is only ever bound to an address of
a network namespace the test made.
"""

import argparse
import socket
import struct
import sys

TYPE_A = 1
CLASS_IN = 1


def parse_question(msg):
    """(name, qtype, end offset) of the first question, or None if malformed."""
    if len(msg) < 12:
        return None
    pos = 12
    labels = []
    while True:
        if pos >= len(msg):
            return None
        n = msg[pos]
        pos += 1
        if n == 0:
            break
        if n > 63 or pos + n > len(msg):  # no compression in a question we accept
            return None
        labels.append(msg[pos:pos + n].decode("ascii", "replace").lower())
        pos += n
    if pos + 4 > len(msg):
        return None
    qtype, _qclass = struct.unpack("!HH", msg[pos:pos + 4])
    return ".".join(labels), qtype, pos + 4


def answer(msg, table):
    q = parse_question(msg)
    if q is None:
        return None
    name, qtype, end = q
    ident, flags = struct.unpack("!HH", msg[:4])
    rd = flags & 0x0100
    addr = table.get(name)
    rcode = 0 if addr is not None else 3  # NXDOMAIN
    ancount = 1 if addr is not None and qtype == TYPE_A else 0
    header = struct.pack("!HHHHHH", ident, 0x8400 | rd | rcode, 1, ancount, 0, 0)
    out = header + msg[12:end]
    if ancount:
        # The name as a pointer to the question (offset 12), RFC 1035 4.1.4.
        out += struct.pack("!HHHIH", 0xC00C, TYPE_A, CLASS_IN, 60, 4) + socket.inet_aton(addr)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--map", action="append", default=[], metavar="NAME=IPV4")
    args = ap.parse_args()
    table = {}
    for m in args.map:
        name, _, addr = m.partition("=")
        socket.inet_aton(addr)  # refuses what is not an IPv4 address
        table[name.lower().rstrip(".")] = addr
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.listen, args.port))
    print("ready", flush=True)
    while True:
        msg, peer = s.recvfrom(512)
        out = answer(msg, table)
        if out is not None:
            s.sendto(out, peer)


if __name__ == "__main__":
    sys.exit(main())
