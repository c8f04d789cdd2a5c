/*
 * libFuzzer target: the API's answer, gf_answer_parse (single-type and
 * all-types answers), and the /auth/token answer, gf_token_answer_parse.
 *
 * Input: byte 0 chooses how the rest becomes the answer text:
 *   0  as it is
 *   1  {"status":"FINISHED","downloadLinks":[ REST ]}     (single type)
 *   2  {"status":"FINISHED","downloadLinks":{ REST }}     (all types)
 *   3  as it is, with byte 1 as the number of tokens (the rest from byte 2)
 * (byte 0 is taken mod 4). The text sits in a buffer of exactly its size, so
 * a read or write past it is caught.
 *
 * Checks on GF_OK: count <= GF_LINKS_MAX; every link is a view inside the
 * buffer, NUL-terminated inside it, an absolute http(s) URL shorter than
 * GF_URL_MAX; the other fields are empty or views inside the buffer, NUL-
 * terminated; each type's links are a range of the links, the ranges apart;
 * the text is valid JSON by gf_json_validate. On an error the answer is all
 * zero. Whether Python's json agrees is checked offline (json_diff.py on
 * the corpus, through the GF_FUZZ_PRINT build of this file).
 */
#include <stdio.h>
#include <stdlib.h>

#include "json.h"

#define FUZZ_NAME "fuzz_answer"
#include "fuzz_check.h"

static const char single_head[] = "{\"status\":\"FINISHED\",\"downloadLinks\":[";
static const char single_tail[] = "]}";
static const char all_head[] = "{\"status\":\"FINISHED\",\"downloadLinks\":{";
static const char all_tail[] = "}}";

/* A text field: empty (any pointer), or a NUL-terminated view inside buf. */
static void check_text(gf_view v, const char *buf, size_t n)
{
    CHECK(v.ptr != NULL);
    if (v.len == 0 && (v.ptr < buf || v.ptr >= buf + n)) {
        CHECK(v.ptr[0] == '\0'); /* the static empty string */
        return;
    }
    CHECK(v.ptr >= buf && v.len < n && (size_t)(v.ptr - buf) < n - v.len);
    CHECK(v.ptr[v.len] == '\0');
}

static void check_answer(const gf_answer *a, const char *buf, size_t n)
{
    CHECK(a->state <= GF_STATE_ERROR);
    CHECK(a->count <= GF_LINKS_MAX);
    for (size_t i = 0; i < a->count; i++) {
        gf_view l = a->link[i];
        gf_url u;
        CHECK(l.ptr >= buf && l.len < n && (size_t)(l.ptr - buf) < n - l.len);
        CHECK(l.ptr[l.len] == '\0');
        CHECK(strlen(l.ptr) == l.len);
        CHECK(l.len < GF_URL_MAX);
        CHECK(gf_url_parse(l.ptr, l.len, &u) == GF_OK);
        /* decoded in place: views never overlap. Links are kept in type
         * order, not in the order of the text, so every pair is checked. */
        for (size_t k = 0; k < i; k++)
            CHECK(a->link[k].ptr + a->link[k].len < l.ptr || l.ptr + l.len < a->link[k].ptr);
    }
    for (size_t i = a->count; i < GF_LINKS_MAX; i++)
        CHECK(a->link[i].ptr == NULL && a->link[i].len == 0);
    const gf_view texts[] = {a->export_type, a->data_type, a->export_date,
                             a->export_version, a->request_time, a->error_msg};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        check_text(texts[i], buf, n);

    unsigned char owner[GF_LINKS_MAX] = {0};
    size_t listed = 0;
    for (unsigned d = 0; d < GF_DATA_TYPES; d++) {
        const gf_type_links *t = &a->type[d];
        if (!a->all_types || !t->present) {
            CHECK(!t->present && t->first == 0 && t->count == 0);
            continue;
        }
        CHECK((size_t)t->first + t->count <= a->count);
        for (size_t k = t->first; k < (size_t)t->first + t->count; k++) {
            CHECK(owner[k] == 0); /* one type per link */
            owner[k] = (unsigned char)(d + 1);
        }
        listed += t->count;
    }
    if (a->all_types)
        CHECK(listed == a->count); /* links of unknown types are not kept */
}

static gf_json_token tokens[GF_JSON_TOKENS_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gf_answer ans;
    static const gf_answer zero;
    if (size < 1)
        return 0;
    unsigned mode = data[0] % 4u;
    size_t ntokens = GF_JSON_TOKENS_MAX, skip = 1;
    const char *head = "", *tail = "";
    if (mode == 1) {
        head = single_head;
        tail = single_tail;
    } else if (mode == 2) {
        head = all_head;
        tail = all_tail;
    } else if (mode == 3) {
        if (size < 2)
            return 0;
        ntokens = data[1];
        skip = 2;
    }
    size_t hl = strlen(head), tl = strlen(tail), rest = size - skip;
    size_t n = hl + rest + tl;
    char *buf = malloc(n > 0 ? n : 1);
    char *copy = malloc(n > 0 ? n : 1);
    CHECK(buf != NULL && copy != NULL);
    memcpy(buf, head, hl);
    memcpy(buf + hl, data + skip, rest);
    memcpy(buf + hl + rest, tail, tl);
    memcpy(copy, buf, n);

    gf_status st = gf_answer_parse(buf, n, tokens, ntokens, &ans);
#ifdef GF_FUZZ_PRINT
    /* The status and the exact text, for json_diff.py. */
    printf("%d ", (int)st);
    for (size_t i = 0; i < n; i++)
        printf("%02x", (unsigned char)copy[i]);
    printf("\n");
#endif
    if (st == GF_OK) {
        check_answer(&ans, buf, n);
        CHECK(gf_json_validate(copy, n) == GF_OK);
    } else {
        CHECK(st > GF_OK && st < GF_STATUS_COUNT);
        CHECK(memcmp(&ans, &zero, sizeof(ans)) == 0);
    }

    /* The same text as an /auth/token answer. */
    if (mode == 0) {
        gf_view code = {NULL, 0};
        memcpy(buf, copy, n);
        st = gf_token_answer_parse(buf, n, tokens, GF_JSON_TOKENS_MAX, &code);
        if (st == GF_OK) {
            CHECK(code.len > 0);
            check_text(code, buf, n);
        }
    }
    free(buf);
    free(copy);
    return 0;
}
