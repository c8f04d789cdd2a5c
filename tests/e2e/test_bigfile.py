"""Files past 4 GiB, driven by gf_part (tests/tools/gf_part.c): the CLI's own .part sink
(src/cli/store.c) resuming a download, checked by size only.

On a 32-bit build (mipsel, armhf under qemu-user in `make cross-test`) this is where 32-bit file
offsets break: open() of a .part past 2 GiB, fstat() of its size, the Range offset, the write at
the end. Both the .part and the served file are sparse, so nothing of the 4 GiB is written or
read: the test looks at what was held, what was asked for, and what was stored, in seconds even
under an emulator. (A resume that must rebuild an MD5 reads every held byte back; the CLI's
resume tests cover that path with small files.)
"""

import os
import subprocess
import procs

NEEDS_CLI = False     # only gf_part is used; each test fails by itself when it is missing
SERVERS = "module"
TIMEOUT = 120

GIB = 1 << 30


def sparse(path, size, tail=b""):
    """A file of `size` zero bytes that occupies (almost) no disk, then `tail`."""
    with open(path, "wb") as f:
        f.truncate(size)
        f.seek(size)
        f.write(tail)
    st = os.stat(path)
    assert st.st_blocks * 512 < 64 * 1024 * 1024, \
        "%s is not sparse here (%d bytes on disk): this file system cannot hold the test" % (
            path, st.st_blocks * 512)


def nginx_etag(path):
    st = os.stat(path)
    return '"%x-%x"' % (int(st.st_mtime), st.st_size)


def run_part(ctx, *args):
    err = ctx.tool_error("gf_part")
    assert err is None, err
    argv = ctx.tool("gf_part") + [str(a) for a in args]
    ctx.log("$", " ".join(argv))
    p = procs.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=TIMEOUT - 10)
    ctx.log("stdout:", p.stdout, "stderr:", p.stderr)
    fields = {}
    for line in p.stdout.splitlines():
        for word in line.split():
            k, eq, v = word.partition("=")
            if eq:
                fields[k] = v
    return p, fields


def test_resume_past_4_gib_asks_for_the_right_offset_and_stores_the_rest(ctx):
    s = ctx.servers
    held = 4 * GIB + 4096              # past 2^32: a 32-bit offset would wrap or fail
    tail = os.urandom(65536 + 123)
    size = held + len(tail)

    # The served file: zeros up to `held` (sparse), then `tail`. Registered small first (no
    # MD5 header), then replaced in the docroot, so the answer is checked by size only.
    link = s.add_file("big-4gib.bin", data=b"placeholder", md5="none")
    served = s.filehost.file_path("/gio-export/extra/big-4gib.bin")
    sparse(served, held, tail)

    out = os.path.join(ctx.tmp, "out")
    os.makedirs(out)
    sparse(os.path.join(out, "big.bin.part"), held)   # what an earlier run left: the zeros

    since = s.filehost.log_offset()
    # Without an MD5 only If-Range can vouch for held bytes: pass the ETag an earlier run
    # would have kept (nginx's strong ETag: mtime and size in hex).
    p, f = run_part(ctx, "--ca", s.ca_file, "--etag", nginx_etag(served), link, out, "big.bin")
    assert p.returncode == 0, "gf_part failed (exit %d): %s %s" % (
        p.returncode, p.stdout.strip(), p.stderr.strip()[-300:])
    assert f.get("held") == str(held), "held size read as %s, not %d" % (f.get("held"), held)
    assert f.get("bytes") == str(size) and f.get("resumed") == "1", \
        "download result: %s" % p.stdout.strip()

    reqs = [r for r in s.filehost.requests(since) if r.get("path", "").endswith("/big-4gib.bin")]
    assert len(reqs) == 1, "expected one request for the file, saw %d" % len(reqs)
    assert reqs[0]["range"] == "bytes=%d-" % held, \
        "the server saw Range %r, not bytes=%d-" % (reqs[0]["range"], held)
    assert reqs[0]["status"] == 206 and reqs[0]["body_bytes_sent"] == len(tail), \
        "answer: status %s, %s body bytes" % (reqs[0]["status"], reqs[0]["body_bytes_sent"])

    final = os.path.join(out, "big.bin")
    assert not os.path.exists(final + ".part"), "the .part was not renamed"
    assert os.path.getsize(final) == size, "stored %d bytes, not %d" % (
        os.path.getsize(final), size)
    with open(final, "rb") as fh:
        fh.seek(held)
        assert fh.read() == tail, "the bytes past 4 GiB differ from the served ones"


def test_part_past_4_gib_longer_than_the_file_starts_over(ctx):
    """A .part longer than the file is not the file's beginning: the server refuses the range
    (416), the download drops what it held and fetches the file whole."""
    s = ctx.servers
    data = os.urandom(4096)
    link = s.add_file("small-after-big.bin", data=data, md5="none")
    out = os.path.join(ctx.tmp, "out")
    os.makedirs(out)
    sparse(os.path.join(out, "small.bin.part"), 4 * GIB + 1)
    served = s.filehost.file_path("/gio-export/extra/small-after-big.bin")

    since = s.filehost.log_offset()
    p, f = run_part(ctx, "--ca", s.ca_file, "--etag", nginx_etag(served), link, out, "small.bin")
    assert f.get("held") == str(4 * GIB + 1), "held size read as %s" % f.get("held")
    reqs = [r for r in s.filehost.requests(since)
            if r.get("path", "").endswith("/small-after-big.bin")]
    assert reqs and reqs[0]["range"] == "bytes=%d-" % (4 * GIB + 1), \
        "first request's Range: %r" % (reqs[0]["range"] if reqs else None)
    assert reqs[0]["status"] == 416, "first answer %s, not 416" % reqs[0]["status"]
    assert p.returncode == 0, "gf_part: %s %s" % (p.stdout.strip(), p.stderr.strip()[-300:])
    final = os.path.join(out, "small.bin")
    assert not os.path.exists(final + ".part"), "the .part was left behind"
    with open(final, "rb") as fh:
        assert fh.read() == data, "the file stored is not the served one"
