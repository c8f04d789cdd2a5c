"""giofetch against a file host that answers as S3 really does: s3rver (npm) behind TLS, its
links presigned by the minio client (SigV4) and handed out by the local export server.

What S3 itself says is checked straight from s3rver first (the premise of each test), then the
CLI is run against it: a FINISHED export arrives byte-identical (one object with
x-amz-meta-md5-hash, one with only S3's ETag, which for a single-part upload is the object's
MD5); an expired link (403 AccessDenied "Request has expired") and a bad signature (403
SignatureDoesNotMatch: s3rver checks SigV2 signatures, so that link is SigV2 signed with the
wrong secret) each fail the file after one re-ask; a `.part` that already holds the whole
object gets 416 from S3 and ends as the right file.

The npm packages come from `make deps`; without them every test here fails with the reason
(it never passes silently).
"""

import hashlib
import json
import os
import time

import s3host
import sampledata
from cliutil import AI, DAY, base_fixture, export_dir, gio

SERVERS = "module"
TIMEOUT = 90

KEY_PREFIX = "exports/%s/visit/day/%s/" % (AI, DAY)


def FIXTURE():
    return base_fixture({})


def s3_for(ctx):
    why = s3host.available()
    if why:
        raise AssertionError("s3rver cannot run (%s): run make deps" % why)
    return s3host.S3Host(os.path.join(ctx.tmp, "s3"), ctx.servers.pki)


def put_parts(s3, n, with_md5_header):
    """n gzip CSV parts in the bucket; returns [(name, key, data)] in link order."""
    out = []
    for i in range(n):
        data = sampledata.make_part(AI, "visit", "day", DAY, i, rows=40, seed="s3")
        name = sampledata.part_name(AI, "visit", "day", DAY, i, seed="s3")
        key = KEY_PREFIX + name
        meta = {"md5-hash": hashlib.md5(data).hexdigest()} if with_md5_header[i] else {}
        etag = s3.put(key, data, meta=meta)
        # the premise of "ETag as MD5": a single-part upload's ETag is the MD5 of its bytes
        assert etag == hashlib.md5(data).hexdigest(), (etag, hashlib.md5(data).hexdigest())
        out.append((name, key, data))
    return out


def serve_links(ctx, links, date=DAY):
    ctx.servers.set_fixture(base_fixture({"day/visit/%s" % date: {"links": links}}))
    ctx.servers.reset()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_finished_export_from_s3_is_byte_identical(ctx):
    with s3_for(ctx) as s3:
        parts = put_parts(s3, 2, with_md5_header=[True, False])
        links = [s3.presign(key, expires=300) for _, key, _ in parts]
        st, hdr, body = s3.get(links[1])
        assert st == 200 and "x-amz-meta-md5-hash" not in hdr and \
            hdr.get("etag") == '"%s"' % hashlib.md5(body).hexdigest(), (st, hdr)
        serve_links(ctx, links)
        out = os.path.join(ctx.tmp, "out")
        r = gio(ctx, "fetch", "--type", "day", "--data", "visit", "--date", DAY, "--out", out,
                "--json")
        assert r.rc == 0, r.why()
        folder = export_dir(out, "visit")
        for name, _, data in parts:
            assert read(os.path.join(folder, name)) == data, "%s differs from S3's" % name
        manifest = read(os.path.join(folder, "MANIFEST")).decode().splitlines()
        assert sorted(manifest) == sorted("%s  %s" % (hashlib.md5(d).hexdigest(), n)
                                          for n, _, d in parts), manifest
        # How each file was checked: x-amz-meta-md5-hash for the first, S3's ETag for the
        # second. Asserted once the JSON carries "verified" (the download layer's ETag check).
        files = [f for line in r.lines if line.startswith("{")
                 for f in json.loads(line).get("files", [])]
        assert [f["name"] for f in files] == [n for n, _, _ in parts], files
        if any("verified" in f for f in files):
            assert [f["verified"] for f in files] == ["md5-header", "etag"], files


def test_expired_s3_link_fails_the_file_after_one_reask(ctx):
    with s3_for(ctx) as s3:
        (name, key, _), = put_parts(s3, 1, with_md5_header=[True])
        link = s3.presign(key, expires=60, date=time.time() - 3600)
        st, _, body = s3.get(link)
        assert st == 403 and b"<Code>AccessDenied</Code>" in body and \
            b"Request has expired" in body, (st, body[:300])
        serve_links(ctx, [link])
        out = os.path.join(ctx.tmp, "out")
        r = gio(ctx, "fetch", "--type", "day", "--data", "visit", "--date", DAY, "--out", out)
        assert r.rc == 9, r.why()
        assert len(r.api) == 2, "one ask and one re-ask for fresh links: %s" % r.api
        assert "expired" in r.err and "403" in r.err, r.err
        assert not os.path.exists(os.path.join(export_dir(out, "visit"), "MANIFEST"))
        assert not os.path.exists(os.path.join(export_dir(out, "visit"), name))


def test_bad_signature_on_s3_fails_the_file_after_one_reask(ctx):
    with s3_for(ctx) as s3:
        (name, key, _), = put_parts(s3, 1, with_md5_header=[True])
        link = s3.presign_v2(key, time.time() + 300, secret="not-the-secret")
        st, _, body = s3.get(link)
        assert st == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body, (st, body[:300])
        serve_links(ctx, [link])
        out = os.path.join(ctx.tmp, "out")
        r = gio(ctx, "fetch", "--type", "day", "--data", "visit", "--date", DAY, "--out", out)
        assert r.rc == 9, r.why()
        assert len(r.api) == 2, "one ask and one re-ask for fresh links: %s" % r.api
        assert "403" in r.err, r.err
        # Once the download layer names S3's reasons, this message must say "signature" and
        # must not call the link expired.
        assert not os.path.exists(os.path.join(export_dir(out, "visit"), name))


def test_complete_part_file_meets_416_and_ends_right(ctx):
    with s3_for(ctx) as s3:
        (name, key, data), = put_parts(s3, 1, with_md5_header=[True])
        link = s3.presign(key, expires=300)
        st, _, body = s3.get(link, {"Range": "bytes=%d-" % len(data)})
        assert st == 416 and b"<Code>InvalidRange</Code>" in body, (st, body[:300])
        serve_links(ctx, [link])
        out = os.path.join(ctx.tmp, "out")
        folder = export_dir(out, "visit")
        os.makedirs(folder)
        with open(os.path.join(folder, name + ".part"), "wb") as f:
            f.write(data)  # killed between the last write and the rename
        r = gio(ctx, "fetch", "--type", "day", "--data", "visit", "--date", DAY, "--out", out)
        assert r.rc == 0, r.why()
        assert read(os.path.join(folder, name)) == data
        assert not os.path.exists(os.path.join(folder, name + ".part"))
        assert s3.wait_log(" 416 "), "S3 was not asked for the range past the end: %s" % (
            s3.log()[-1500:])
        # Once a complete .part is verified and committed on 416, S3 must see no second GET
        # of the whole object here.
