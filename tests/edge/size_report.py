#!/usr/bin/env python3
"""What the giofetch core weighs: the tables `make size` prints.

    size_report.py --sources 'src/a.c src/b.c ...'
                   --core 'LABEL=TOOLPREFIX:OBJDIR' ...      (objects built -Os -fstack-usage)
                   --switches 'PROXY MINT ...'               (config.h's GF_FEATURE_ switches)
                   --variants 'LABEL=TOOLPREFIX:ONDIR:BASE' ...  (the core with every switch
                       on in ONDIR, with the minimal profile in BASEminimal, with one
                       switch off in BASEno-<SWITCH>)
                   --sizeof-run 'LABEL=COMMAND' ...          (prints "name bytes" lines)
                   --sizeof-nm 'LABEL=NM OBJECT' ...         (gf_sizeof_<name> objects)
                   --images 'SIZE IMAGE...'                  (firmware images, optional)
                   --maps 'IMAGE.map...'                     (their link maps, optional)
                   --static 'LABEL=TOOLPREFIX:BINARY:MAP' ...  (static Linux CLIs, optional)
                   --rss 'LABEL=KB' ...                      (measured max RSS, optional)
                   --reference 'TEXT' ...                    (figures of other tools)

Prints markdown tables: text/data/bss per core object and in total for each
target, the allocator check (nm -u), the largest stack frames, the largest
functions on the first target, sizeof of the public structs, the firmware
images (and, from their link maps, what each is made of), the static
router CLIs (stripped size, split into giofetch, mbedTLS and libc from
their link maps, bss, RSS), what each feature switch costs, and the goals
(core text <= 6 KB on the first target, no .data or .bss, no frame over 512
bytes) as met or not: reported, not asserted. Exit status 1 only when a core
object references malloc, calloc, realloc or free.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys

TEXT_GOAL = 6 * 1024
# The core before the feature switches came (every feature compiled in):
# with every switch on it must not grow past it.
DEFAULT_LIMIT = 23756
# The minimal profile: 0.8 x coreHTTP with llhttp (22,299 bytes, same flags).
MINIMAL_GOAL = 17839
FRAME_GOAL = 512
ALLOCATOR = {"malloc", "calloc", "realloc", "free"}


def run(argv):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=True).stdout


def split_label(spec):
    label, _, rest = spec.partition("=")
    return label, rest


def obj_of(objdir, src):
    src = src[2:] if src.startswith("./") else src
    return os.path.join(objdir, os.path.splitext(src)[0] + ".o")


# ABI notes every MIPS object carries; a linked program has one copy.
ABI_SECTIONS = (".reginfo", ".MIPS.abiflags")


def section_sizes(prefix, obj):
    """(text, data, bss, relro, rodata) of one object from objdump -h: text
    is code and read-only data (rodata: the read-only data alone); relro is
    .data.rel.ro (pointer tables that -fpic code relocates at load time,
    read-only afterwards)."""
    text = data = bss = relro = rodata = 0
    lines = run([prefix + "objdump", "-h", obj]).splitlines()
    for i, line in enumerate(lines):
        f = line.split()
        if len(f) < 7 or not f[0].isdigit() or i + 1 >= len(lines):
            continue
        name, size, flags = f[1], int(f[2], 16), lines[i + 1]
        if "ALLOC" not in flags or name in ABI_SECTIONS:
            continue
        if "CONTENTS" not in flags:
            bss += size
        elif name.startswith(".data.rel.ro"):
            relro += size
        elif "READONLY" in flags:
            text += size
            rodata += size if "CODE" not in flags else 0
        else:
            data += size
    return text, data, bss, relro, rodata


def stack_frames(objs):
    frames = []
    for o in objs:
        su = os.path.splitext(o)[0] + ".su"
        if not os.path.exists(su):
            continue
        for line in open(su):
            where, size, kind = line.rstrip("\n").split("\t")
            func = where.rsplit(":", 1)[-1]
            src = os.path.basename(where.split(":", 1)[0])
            frames.append((int(size), func, src, kind))
    frames.sort(key=lambda f: (-f[0], f[1]))
    return frames


TEXT_PREFIXES = (".text", ".rodata", ".vectors", ".init", ".fini", ".ARM.extab", ".ARM.exidx",
                 ".glue", ".vfp11", ".v4_bx", ".iplt")
DATA_PREFIXES = (".data", ".init_array", ".fini_array", ".preinit_array", ".tm_clone_table")
BSS_PREFIXES = (".bss", "COMMON")
MAP_INPUT = re.compile(r"^ (\.\S+|COMMON)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*))?$")
MAP_REST = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")


def map_inputs(path):
    """(section, size, object) of each non-empty input section in a GNU ld map; a long section
    name puts its address and size on the next line. Nothing for a file without a memory map.
    A section whose strings were all merged into another's can be listed with that other's size
    at the address of the next section: a size is never taken past the next section's start."""
    lines = open(path).read().split("\n")
    try:
        start = lines.index("Linker script and memory map")
    except ValueError:
        return
    found = []  # [section, address, size, object]
    pending = None
    for line in lines[start + 1:]:
        m = MAP_INPUT.match(line)
        if m:
            if m.group(2) is None:
                pending = m.group(1)
                continue
            found.append([m.group(1), int(m.group(2), 16), int(m.group(3), 16), m.group(4)])
        else:
            r = MAP_REST.match(line) if pending else None
            if r:
                found.append([pending, int(r.group(1), 16), int(r.group(2), 16), r.group(3)])
        pending = None
    for i, (name, addr, size, where) in enumerate(found):
        if i + 1 < len(found) and addr <= found[i + 1][1] < addr + size:
            size = found[i + 1][1] - addr
        if size:
            yield name, size, where


def map_owners(path, core_names):
    """{owner: [text, data, bss]} of a linked image, from its GNU ld map."""
    owners = {}
    for name, size, where in map_inputs(path):
        kind = (0 if name.startswith(TEXT_PREFIXES) else 1 if name.startswith(DATA_PREFIXES)
                else 2 if name.startswith(BSS_PREFIXES) else None)
        if kind is None:
            continue
        base = os.path.basename(where)
        if "libmbedtls" in where and "(" in where:
            owner = "mbedTLS"
        elif base in ("tls_mbedtls.o", "crypto_mbedtls.o"):
            owner = "giofetch mbedTLS glue"
        elif "/src/" in where and base[:-2] + ".c" in core_names:
            owner = "giofetch core"
        elif "(" in where or where.startswith("/"):
            owner = "newlib, libgcc, crt0"
        else:
            owner = "application (example, port, vectors)"
        owners.setdefault(owner, [0, 0, 0])[kind] += size
    return owners


STATIC_SKIP = (".debug", ".comment", ".note.GNU-stack", ".gnu.attributes", ".mdebug", ".pdr",
               ".gnu.warning", ".stab", ".group")
STATIC_BSS = (".bss", ".sbss", ".tbss", "COMMON", ".scommon")
STATIC_DATA = (".data", ".sdata", ".tdata", ".init_array", ".fini_array", ".preinit_array",
               ".got", ".ctors", ".dtors")


def static_owner(where):
    if "libmbedtls" in where:
        return "mbedTLS"
    if "libgiofetch" in where:
        return "giofetch library"
    if "/obj/" in where and not where.startswith("/"):
        return "giofetch CLI"
    return "libc (musl, libgcc, crt)"


def static_map(path):
    """{owner: [text, data, bss]} and {object: bss} of a static Linux link, from its map."""
    owners, bss_of = {}, {}
    for name, size, where in map_inputs(path):
        if name.startswith(STATIC_SKIP) or where.startswith("linker stubs"):
            continue
        kind = 2 if name.startswith(STATIC_BSS) else 1 if name.startswith(STATIC_DATA) else 0
        owner = static_owner(where)
        owners.setdefault(owner, [0, 0, 0])[kind] += size
        if kind == 2 and owner.startswith("giofetch"):
            obj = where.rsplit("(", 1)[-1].rstrip(")") if "(" in where else os.path.basename(where)
            bss_of[obj] = bss_of.get(obj, 0) + size
    return owners, bss_of


def table(head, rows, align=None):
    align = align or ["l"] + ["r"] * (len(head) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(sep) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def core_text(prefix, objdir, sources):
    """The core's text (code and read-only data) in objdir, and whether it
    has .data or .bss."""
    text = mutable = 0
    for src in sources:
        t, d, b, _, _ = section_sizes(prefix, obj_of(objdir, src))
        text += t
        mutable += d + b
    return text, mutable


def switch_costs(args, sources, goals):
    """The table of what each GF_FEATURE_ switch costs, on each target: the
    core with every switch on, with the minimal profile, and with one switch
    off (its cost is the difference). A switch that costs nothing is a
    defect: it is named in the goals."""
    switches = args.switches.split()
    cols = []
    for spec in args.variants:
        label, rest = split_label(spec)
        prefix, ondir, base = rest.split(":", 2)
        on, _ = core_text(prefix, ondir, sources)
        mini, mini_mutable = core_text(prefix, base + "minimal", sources)
        off = {sw: core_text(prefix, base + "no-" + sw, sources)[0] for sw in switches}
        cols.append((label, on, mini, mini_mutable, off))
    head = ["core built with (config.h)"]
    for label, _, _, _, _ in cols:
        head += ["%s text" % label, "the switch costs"]
    rows = [["every switch on (the default)"] + [c for col in cols for c in ("%d" % col[1], "")]]
    rows.append(["the minimal profile (`config_minimal.h`)"] +
                [c for col in cols for c in ("%d" % col[2], "-%d" % (col[1] - col[2]))])
    for sw in switches:
        rows.append(["`GF_FEATURE_%s 0`, the rest on" % sw] +
                    [c for col in cols for c in ("%d" % col[4][sw], "%d" % (col[1] - col[4][sw]))])
    print("## Feature switches: the core's text with each one off (-Os, bytes)\n")
    print(table(head, rows))
    print()
    label, on, mini, mini_mutable, off = cols[0]
    goals.append("core text with every switch on, %s: %d bytes against %d before the switches (%s)"
                 % (label, on, DEFAULT_LIMIT, "met" if on <= DEFAULT_LIMIT else
                    "over by %d bytes" % (on - DEFAULT_LIMIT)))
    goals.append("minimal profile on %s: %d bytes of text against %d, %s .data or .bss (%s)"
                 % (label, mini, MINIMAL_GOAL, "no" if mini_mutable == 0 else "with",
                    "met" if mini <= MINIMAL_GOAL and mini_mutable == 0 else "not met"))
    free = ["%s on %s" % (sw, col[0]) for col in cols for sw in switches if col[4][sw] >= col[1]]
    goals.append("every switch removes code: %s" % (
        "yes, on every target" if not free else "**no**: " + ", ".join(free)))
    return 0


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", required=True)
    ap.add_argument("--core", action="append", default=[])
    ap.add_argument("--sizeof-run", action="append", default=[])
    ap.add_argument("--sizeof-nm", action="append", default=[])
    ap.add_argument("--images")
    ap.add_argument("--maps", default="")
    ap.add_argument("--static", action="append", default=[])
    ap.add_argument("--rss", action="append", default=[])
    ap.add_argument("--reference", action="append", default=[])
    ap.add_argument("--switches", default="")
    ap.add_argument("--variants", action="append", default=[])
    args = ap.parse_args(argv[1:])

    sources = args.sources.split()
    names = [os.path.basename(s) for s in sources]
    status = 0
    goals = []

    # ---- text/data/bss per object ------------------------------------------
    targets = []
    for spec in args.core:
        label, rest = split_label(spec)
        prefix, objdir = rest.split(":", 1)
        objs = [obj_of(objdir, s) for s in sources]
        targets.append((label, prefix, objs, {o: section_sizes(prefix, o) for o in objs}))

    head = ["core object"]
    for label, _, _, _ in targets:
        head += ["%s text" % label, "data", "bss"]
    rows = []
    totals = [[0, 0, 0, 0, 0] for _ in targets]

    def cells(v, bold=False):
        fmt = "**%s**" if bold else "%s"
        data = "%d" % v[1] + (" + %d rel.ro" % v[3] if v[3] else "")
        return [fmt % v[0], fmt % data, fmt % v[2]]

    for i, name in enumerate(names):
        row = [name.replace(".c", ".o")]
        for t, (_, _, objs, sizes) in enumerate(targets):
            v = sizes[objs[i]]
            row += cells(v)
            for k in range(5):
                totals[t][k] += v[k]
        rows.append(row)
    rows.append(["**total**"] + [c for tot in totals for c in cells(tot, True)])
    print("## Core code size (-Os, bytes; text includes read-only data)\n")
    print(table(head, rows))
    for t, (label, _, _, _) in enumerate(targets):
        print("\n%s: %d bytes of code, %d of read-only data (strings, tables)."
              % (label, totals[t][0] - totals[t][4], totals[t][4]))
    if any(tot[3] for tot in totals):
        print("\nrel.ro: .data.rel.ro, const pointer tables that position-independent code "
              "relocates at load time (read-only afterwards); not mutable data.")
    print()

    # ---- allocator ------------------------------------------------------------
    print("## Allocator references (nm -u on every core object)\n")
    for label, prefix, objs, _ in targets:
        bad = []
        for o in objs:
            for line in run([prefix + "nm", "-u", o]).splitlines():
                sym = line.split()[-1]
                if sym in ALLOCATOR:
                    bad.append("%s: %s" % (os.path.basename(o), sym))
        if bad:
            status = 1
            print("- %s: **the core references the allocator**: %s" % (label, ", ".join(bad)))
        else:
            print("- %s: no core object references malloc, calloc, realloc or free" % label)
    print()

    # ---- stack frames ----------------------------------------------------------
    print("## Largest stack frames (-fstack-usage, top 10)\n")
    tops = []
    for label, _, objs, _ in targets:
        frames = stack_frames(objs)
        tops.append((label, frames))
    head = []
    for label, _ in tops:
        head += ["%s function" % label, "bytes"]
    rows = []
    for r in range(10):
        row = []
        for _, frames in tops:
            if r < len(frames):
                size, func, src, kind = frames[r]
                row += ["%s (%s)%s" % (func, src, "" if kind == "static" else " " + kind), size]
            else:
                row += ["", ""]
        rows.append(row)
    print(table(head, rows, ["l", "r"] * len(tops)))
    print()

    # ---- where the bytes go on the first target --------------------------------
    if targets:
        label, prefix, objs, _ = targets[0]
        syms = []
        for o in objs:
            for line in run([prefix + "nm", "-S", "--size-sort", "--defined-only", o]).splitlines():
                f = line.split()
                if len(f) == 4 and f[2].lower() in "trd":
                    syms.append((int(f[1], 16), f[3], os.path.basename(o), f[2]))
        syms.sort(key=lambda s: (-s[0], s[1]))
        print("## Largest functions and constant tables on %s (nm --size-sort, top 15)\n" % label)
        print(table(["symbol", "object", "kind", "bytes"],
                    [[n, o, "code" if k.lower() == "t" else "read-only data" if k.lower() == "r"
                      else "data", s] for s, n, o, k in syms[:15]],
                    ["l", "l", "l", "r"]))
        print()

    # ---- sizeof ----------------------------------------------------------------
    cols = []
    for spec in args.sizeof_run:
        label, cmd = split_label(spec)
        vals = {}
        for line in run(shlex.split(cmd)).splitlines():
            n, v = line.split()
            vals[n] = int(v)
        cols.append((label, vals))
    for spec in args.sizeof_nm:
        label, cmd = split_label(spec)
        vals = {}
        tool = shlex.split(cmd)
        for line in run(tool[:1] + ["-S", "--defined-only"] + tool[1:]).splitlines():
            f = line.split()
            if len(f) == 4 and f[3].startswith("gf_sizeof_"):
                vals[f[3][len("gf_sizeof_"):]] = int(f[1], 16)
        cols.append((label, vals))
    if cols:
        order = []
        for _, vals in cols:
            for n in vals:
                if n not in order:
                    order.append(n)
        print("## sizeof of the public structs (bytes; default config.h unless named)\n")
        print(table(["struct"] + [c[0] for c in cols],
                    [[n] + [c[1].get(n, "-") for c in cols] for n in order]))
        print()

    # ---- firmware images ----------------------------------------------------------
    if args.images:
        argv_ = shlex.split(args.images)
        present = [p for p in argv_[1:] if os.path.exists(p)]
        if present:
            rows = []
            for line in run([argv_[0]] + present).splitlines()[1:]:
                f = line.split()
                rows.append([os.path.basename(f[5]), f[0], f[1], f[2]])
            print("## Firmware images (linked, --gc-sections, with newlib)\n")
            print(table(["image", "text", "data", "bss"], rows))
            print()

    # ---- what each linked image is made of ------------------------------------
    order = ["giofetch core", "giofetch mbedTLS glue", "mbedTLS", "application (example, port, vectors)",
             "newlib, libgcc, crt0"]
    for path in args.maps.split():
        if not os.path.exists(path):
            continue
        owners = map_owners(path, set(names))
        if not owners:
            continue
        print("## %s by origin (from its link map; text includes read-only data)\n"
              % os.path.basename(path).replace(".map", ".elf"))
        rows = [[o] + owners[o] for o in order if o in owners]
        rows.append(["**total**"] + ["**%d**" % sum(owners[o][k] for o in owners) for k in range(3)])
        print(table(["part", "text", "data", "bss"], rows))
        print()

    # ---- static router CLIs --------------------------------------------------------
    statics = []
    for spec in args.static:
        label, rest = split_label(spec)
        prefix, binary, mapfile = rest.split(":", 2)
        if not os.path.exists(binary) or not os.path.exists(mapfile):
            continue
        stripped = binary + ".stripped"
        run([prefix + "strip", "-o", stripped, binary])
        owners, bss_of = static_map(mapfile)
        statics.append((label, os.path.getsize(stripped), owners, bss_of))
    if statics:
        order = ["giofetch CLI", "giofetch library", "mbedTLS", "libc (musl, libgcc, crt)"]
        print("## The static musl CLI, as a router runs it (-Os, section GC, "
              "mbedTLS with port/openwrt/gf_mbedtls_config.h)\n")
        rows = [["**stripped file**"] + ["**%d (%.0f KiB)**" % (z, z / 1024.0) for _, z, _, _ in statics]]
        for o in order:
            rows.append([o + ": code + read-only data"] +
                        ["%d" % st[2].get(o, [0, 0, 0])[0] for st in statics])
        rows.append(["all: data"] + ["%d" % sum(v[1] for v in st[2].values()) for st in statics])
        rows.append(["all: bss (zeroed at start, not in the file)"] +
                    ["%d" % sum(v[2] for v in st[2].values()) for st in statics])
        for o in order[:2]:
            rows.append([o + ": bss"] + ["%d" % st[2].get(o, [0, 0, 0])[2] for st in statics])
        print(table(["part (bytes, from the link map)"] + [st[0] for st in statics], rows))
        print()
        label, _, _, bss_of = statics[0]
        top = sorted(bss_of.items(), key=lambda kv: -kv[1])[:5]
        if top:
            print("Largest giofetch .bss on %s: %s." % (label, ", ".join(
                "%s %d" % (o, n) for o, n in top)))
        for spec in args.rss:
            label, kb = split_label(spec)
            print("- max RSS, %s: %s KB" % (label, kb))
        for ref in args.reference:
            print("- " + ref)
        print()
        label, size, _, _ = statics[0]
        goals.append("static musl CLI on %s: %d bytes stripped (%.0f KiB) against 400 KiB (%s)" % (
            label, size, size / 1024.0, "met" if size <= 400 * 1024 else "over"))
        for label, size, _, _ in statics[1:]:
            goals.append("static musl CLI on %s: %d bytes stripped (%.0f KiB)" % (
                label, size, size / 1024.0))

    # ---- feature switches -------------------------------------------------------------
    if args.variants:
        status |= switch_costs(args, sources, goals)

    # ---- goals --------------------------------------------------------------------
    print("## Goals (reported, not asserted)\n")
    if targets:
        label, _, objs, sizes = targets[0]
        text = totals[0][0]
        goals.append("core text on %s: %d bytes (%.1f KB) against %d (%s)" % (
            label, text, text / 1024.0, TEXT_GOAL,
            "met" if text <= TEXT_GOAL else "over by %d bytes" % (text - TEXT_GOAL)))
    for t, (label, _, _, _) in enumerate(targets):
        d, b, r = totals[t][1], totals[t][2], totals[t][3]
        goals.append("core .data + .bss on %s: %d + %d bytes%s (%s)" % (
            label, d, b, " (and %d bytes of .data.rel.ro)" % r if r else "",
            "met" if d == 0 and b == 0 else "not met"))
    for label, frames in tops:
        big = [f for f in frames if f[0] > FRAME_GOAL]
        top = frames[0] if frames else (0, "-", "-", "")
        goals.append("largest stack frame on %s: %d bytes, %s (%s)" % (
            label, top[0], top[1], "met" if not big else
            "%d over %d bytes" % (len(big), FRAME_GOAL)))
    for g in goals:
        print("- " + g)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
