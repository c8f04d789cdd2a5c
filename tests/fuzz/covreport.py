#!/usr/bin/env python3
"""Per-file line and branch coverage from an lcov tracefile, with what is
not covered, so tests can be written for it.

    covreport.py TRACEFILE SOURCE...

For each SOURCE (a path ending as in the tracefile's SF: lines) prints the
line and branch figures, then each line never run and each line with a
branch never taken, with the source text.
"""

import os
import sys


def read_info(path):
    files, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("SF:"):
                cur = files.setdefault(line[3:], {"lines": {}, "branches": {}})
            elif line.startswith("DA:") and cur is not None:
                no, count = line[3:].split(",")[:2]
                cur["lines"][int(no)] = int(count)
            elif line.startswith("BRDA:") and cur is not None:
                no, block, branch, taken = line[5:].split(",")
                cur["branches"][(int(no), block, branch)] = 0 if taken == "-" else int(taken)
            elif line == "end_of_record":
                cur = None
    return files


def pct(hit, total):
    return "%5.1f%%" % (100.0 * hit / total) if total else "  n/a "


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    files = read_info(argv[1])
    print("%-20s %17s %21s" % ("parser", "lines", "branches"))
    details = []
    for want in argv[2:]:
        match = [k for k in files if k.endswith("/" + want) or k == want]
        if not match:
            print("%-20s not in the tracefile (never run?)" % want)
            continue
        data = files[match[0]]
        lines, branches = data["lines"], data["branches"]
        lh = sum(1 for c in lines.values() if c > 0)
        bh = sum(1 for c in branches.values() if c > 0)
        print("%-20s %s %5d/%-5d %s %5d/%-5d" % (want, pct(lh, len(lines)), lh, len(lines),
                                                  pct(bh, len(branches)), bh, len(branches)))
        try:
            with open(match[0] if os.path.exists(match[0]) else want) as f:
                src = f.read().split("\n")
        except OSError:
            src = []

        def text(no, src=src):
            return src[no - 1].strip() if 0 < no <= len(src) else ""
        missed_lines = sorted(no for no, c in lines.items() if c == 0)
        by_line = {}
        for (no, _, _), c in branches.items():
            t = by_line.setdefault(no, [0, 0])
            t[1] += 1
            t[0] += c == 0
        missed_branches = sorted((no, t) for no, t in by_line.items() if t[0] > 0)
        details.append((want, missed_lines, missed_branches, text))
    for want, missed_lines, missed_branches, text in details:
        if not missed_lines and not missed_branches:
            continue
        print("\n%s:" % want)
        for no in missed_lines:
            print("  line   %4d never run:            %s" % (no, text(no)))
        for no, (missed, total) in missed_branches:
            print("  branch %4d %d of %d not taken:%s %s" % (no, missed, total,
                                                        " " * (8 - len("%d%d" % (missed, total))),
                                                        text(no)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
