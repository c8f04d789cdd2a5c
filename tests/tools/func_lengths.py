#!/usr/bin/env python3
"""List the C functions longer than a limit, for this codebase's layout: a
function's first line starts at column 0 and its body opens with a "{" line
and closes with a "}" line, both at column 0. A function counts from its
first line to its closing brace.

    func_lengths.py [--max N] FILE.c...      (N: 100 by default)

Prints FILE:LINE: NAME: N lines for each one over N; exits 1 if there is any.
"""

import argparse
import re
import sys


def functions(path):
    """(first line number, name, length) of each function in path."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    start = None  # the latest column-0 line that could begin a signature
    opened = None
    for i, line in enumerate(lines):
        if opened is None:
            if line == "{" and start is not None:
                opened = start
            elif line[:1].isalpha() or line[:1] == "_":
                start = i
            continue
        if line.startswith("}"):
            m = re.search(r"(\w+)\s*\(", lines[opened])
            yield opened + 1, m.group(1) if m else "?", i - opened + 1
            opened = start = None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max", type=int, default=100, help="longest allowed (lines)")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    over = 0
    for path in args.files:
        for line, name, length in functions(path):
            if length > args.max:
                print("%s:%d: %s: %d lines" % (path, line, name, length))
                over += 1
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
