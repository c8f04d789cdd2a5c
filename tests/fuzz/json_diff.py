#!/usr/bin/env python3
"""Differential check of the answer parser against Python's json module.

    json_diff.py PRINTER CORPUS_DIR...

PRINTER is the GF_FUZZ_PRINT build of fuzz_answer.c (build/fuzz/answer_print):
for every input it prints the gf_status of gf_answer_parse and the exact
answer text in hex. Every text Python's json.loads refuses must not be
GF_OK for us. Python is the laxer of the two in places (NaN and Infinity,
lone surrogates, duplicate keys, any nesting): NaN/Infinity are refused here
too, the others only make us stricter, which is fine.

Refusals Python makes only because the bytes are not UTF-8 (RFC 8259
section 8.1) are listed apart: the parser does not check UTF-8 inside
strings. They fail the check only with --strict-utf8.

Exit status 1 when a text Python refuses was GF_OK.
"""

import json
import os
import subprocess
import sys

GF_OK = 0


def no_constants(name):
    raise ValueError("not JSON: " + name)


def python_verdict(text):
    """None when Python's json takes the text, else why not; and whether
    the reason is only the encoding."""
    try:
        s = text.decode("utf-8")
    except UnicodeDecodeError as e:
        try:
            json.loads(text.decode("utf-8", "surrogateescape"), parse_constant=no_constants)
        except (ValueError, RecursionError) as e2:
            return "grammar: %s" % e2, False
        return "not UTF-8: %s" % e, True
    try:
        json.loads(s, parse_constant=no_constants)
    except (ValueError, RecursionError) as e:
        return "grammar: %s" % e, False
    return None, False


def main(argv):
    strict_utf8 = "--strict-utf8" in argv
    argv = [a for a in argv if a != "--strict-utf8"]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    printer, dirs = argv[1], [d for d in argv[2:] if os.path.isdir(d)]
    out = subprocess.run([printer] + dirs, stdout=subprocess.PIPE, check=False)
    if out.returncode != 0:
        print("json_diff: %s failed (exit %d)" % (printer, out.returncode), file=sys.stderr)
        return 1
    total = accepted = python_refused = 0
    bad, encoding_only = [], []
    name = "?"
    for line in out.stdout.decode("ascii").splitlines():
        if line.startswith("# "):
            name = line[2:]
            continue
        st_text, _, hex_text = line.partition(" ")
        st, text = int(st_text), bytes.fromhex(hex_text)
        total += 1
        accepted += st == GF_OK
        why, encoding = python_verdict(text)
        if why is None:
            continue
        python_refused += 1
        if st == GF_OK:
            (encoding_only if encoding else bad).append((name, why, text))
    print("json_diff: %d answers, %d GF_OK, %d refused by Python; "
          "GF_OK though Python refuses: %d (grammar), %d (only not UTF-8)"
          % (total, accepted, python_refused, len(bad), len(encoding_only)))
    for name, why, text in bad[:10] + encoding_only[:5]:
        print("  %s: %s\n    %r" % (name, why, text[:200]))
    if bad or (strict_utf8 and encoding_only):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
