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

static gf_status rs_held(void *ctx, uint64_t *bytes)
{
    *bytes = ((ramsink *)ctx)->len;
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

static gf_status rs_discard(void *ctx)
{
    ((ramsink *)ctx)->len = 0;
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
    s->sink = (gf_sink){s, rs_held, rs_read_back, rs_write, rs_discard, rs_commit};
}
