/* The firmware programs' harness and RAM sink (see steps.h). */
#include "steps.h"

bool step_ok;
static int passed, failed;

void step(const char *name, void (*fn)(void))
{
    step_ok = true;
    fn();
    if (step_ok)
        passed++;
    else
        failed++;
    printf("%s %s\n", step_ok ? "ok" : "FAIL", name);
}

int steps_done(void)
{
    printf("%d passed, %d failed\n", passed, failed);
    return failed;
}

static gf_status rs_held(void *ctx, uint64_t *bytes, char etag[GF_ETAG_MAX + 1])
{
    ramsink *s = ctx;
    *bytes = s->len;
    memcpy(etag, s->etag, sizeof(s->etag));
    return GF_OK;
}

static gf_status rs_read_back(void *ctx, uint64_t off, unsigned char *buf, size_t len)
{
    ramsink *s = ctx;
    if (off > s->len || len > s->len - off)
        return GF_E_SINK;
    memcpy(buf, s->data + off, len);
    return GF_OK;
}

static gf_status rs_write(void *ctx, const unsigned char *data, size_t len)
{
    ramsink *s = ctx;
    if (len > sizeof(s->data) - s->len)
        return GF_E_SINK; /* "flash full" */
    memcpy(s->data + s->len, data, len);
    s->len += len;
    return GF_OK;
}

static gf_status rs_restart(void *ctx, const char *etag)
{
    ramsink *s = ctx;
    size_t n = strlen(etag);
    s->len = 0;
    s->committed = false;
    memcpy(s->etag, etag, n + 1); /* the library keeps ETags to GF_ETAG_MAX */
    return GF_OK;
}

static gf_status rs_commit(void *ctx)
{
    ((ramsink *)ctx)->committed = true;
    return GF_OK;
}

void ramsink_init(ramsink *s)
{
    memset(s, 0, sizeof(*s));
    s->sink = (gf_sink){.ctx = s,
                        .held = rs_held,
                        .read_back = rs_read_back,
                        .write = rs_write,
                        .restart = rs_restart,
                        .commit = rs_commit};
}
