#include "memsink.h"

#include <stdio.h>
#include <string.h>

static gf_status ms_held(void *ctx, uint64_t *bytes, char etag[GF_ETAG_MAX + 1])
{
    memsink *m = ctx;
    *bytes = m->len;
    memcpy(etag, m->etag, sizeof(m->etag));
    return GF_OK;
}

static gf_status ms_read_back(void *ctx, uint64_t off, unsigned char *buf, size_t len)
{
    memsink *m = ctx;
    if (off > m->len || len > m->len - off)
        return GF_E_SINK;
    memcpy(buf, m->data + off, len);
    m->read_backs++;
    m->read_back_bytes += len;
    return GF_OK;
}

static gf_status ms_write(void *ctx, const unsigned char *data, size_t len)
{
    memsink *m = ctx;
    m->writes++;
    if (m->len + len > m->fail_after || m->len + len > MEMSINK_CAP)
        return GF_E_SINK;
    memcpy(m->data + m->len, data, len);
    m->len += len;
    return GF_OK;
}

static gf_status ms_restart(void *ctx, const char *etag)
{
    memsink *m = ctx;
    m->restarts++;
    if (m->len > 0)
        m->discards++;
    m->len = 0;
    m->committed = false;
    snprintf(m->etag, sizeof(m->etag), "%s", etag);
    return GF_OK;
}

static gf_status ms_commit(void *ctx)
{
    memsink *m = ctx;
    m->commits++;
    m->committed = true;
    return GF_OK;
}

void memsink_init(memsink *m)
{
    memset(m, 0, sizeof(*m));
    m->fail_after = MEMSINK_CAP;
    m->sink = (gf_sink){.ctx = m,
                        .held = ms_held,
                        .read_back = ms_read_back,
                        .write = ms_write,
                        .restart = ms_restart,
                        .commit = ms_commit};
}

void memsink_init_no_read_back(memsink *m)
{
    memsink_init(m);
    m->sink.read_back = NULL;
}

void memsink_hold(memsink *m, const void *bytes, size_t n)
{
    memcpy(m->data, bytes, n);
    m->len = n;
}

void memsink_hold_etag(memsink *m, const void *bytes, size_t n, const char *etag)
{
    memsink_hold(m, bytes, n);
    snprintf(m->etag, sizeof(m->etag), "%s", etag);
}

bool memsink_is(const memsink *m, const void *want, size_t n)
{
    return m->len == n && memcmp(m->data, want, n) == 0;
}
