/*
 * The API's answer: validated JSON, tokenized by jsmn into the caller's
 * token array, then mapped onto gf_answer. Strings we use are decoded in
 * place, so every view points into the caller's body buffer.
 */
#include <limits.h>
#include <stddef.h>

#include "json.h"

/* Not JSMN_STRICT: gf_json_validate has proven the text is JSON before jsmn
 * sees it, and on JSON both modes give the same tokens; strict mode would
 * only check the grammar a second time (136 bytes on Cortex-M4). */
#define JSMN_STATIC
#include <jsmn.h>

GF_STATIC_ASSERT(token_size, sizeof(gf_json_token) == sizeof(jsmntok_t));
GF_STATIC_ASSERT(token_start, offsetof(gf_json_token, start) == offsetof(jsmntok_t, start));
GF_STATIC_ASSERT(token_end, offsetof(gf_json_token, end) == offsetof(jsmntok_t, end));
GF_STATIC_ASSERT(token_sz, offsetof(gf_json_token, size) == offsetof(jsmntok_t, size));

static const char empty[] = "";

typedef struct walk {
    char *body;
    const jsmntok_t *tok;
    int count;
} walk;

/* The index of the token after the subtree rooted at i. */
static int skip(const walk *w, int i)
{
    int pending = 1;
    while (pending > 0 && i < w->count) {
        pending += w->tok[i].size - 1;
        i++;
    }
    return i;
}

/* Decode a string token in place. */
static gf_status decode(const walk *w, int i, gf_view *out)
{
    const jsmntok_t *t = &w->tok[i];
    size_t n;
    if (!gf_json_unescape(w->body + t->start, (size_t)(t->end - t->start), &n))
        return GF_E_JSON;
    out->ptr = w->body + t->start;
    out->len = n;
    return GF_OK;
}

/* A string field; null reads as empty, anything else is the wrong type. */
static gf_status text_field(const walk *w, int i, gf_view *out)
{
    const jsmntok_t *t = &w->tok[i];
    if (t->type == JSMN_STRING)
        return decode(w, i, out);
    if (t->type == JSMN_PRIMITIVE && w->body[t->start] == 'n')
        return GF_OK;
    return GF_E_FIELD_TYPE;
}

static gf_status add_links(const walk *w, int arr, gf_answer *out)
{
    const jsmntok_t *t = &w->tok[arr];
    if (t->type != JSMN_ARRAY)
        return GF_E_LINKS_TYPE;
    int i = arr + 1;
    for (int k = 0; k < t->size; k++, i++) {
        gf_view link;
        gf_url url;
        if (w->tok[i].type != JSMN_STRING)
            return GF_E_LINKS_TYPE;
        if (out->count >= GF_LINKS_MAX)
            return GF_E_TOO_LARGE;
        gf_status st = decode(w, i, &link);
        if (st != GF_OK)
            return st;
        if (link.len >= GF_URL_MAX)
            return GF_E_TOO_LARGE;
        if (gf_url_parse(link.ptr, link.len, &url) != GF_OK)
            return GF_E_LINK_URL;
        out->link[out->count++] = link;
    }
    return GF_OK;
}

/* downloadLinks keyed by type. The links are stored in type order (visit,
 * page, action, ...), whatever order the JSON object lists the types in: an
 * index then names the same file in every answer to the same request, which
 * is what lets a re-ask hand a download its own file's fresh link. */
static gf_status typed_links(const walk *w, int obj, gf_answer *out)
{
    const jsmntok_t *t = &w->tok[obj];
    int value_of[GF_DATA_TYPES]; /* the token of each type's value; 0: absent */
    int i = obj + 1;
    memset(value_of, 0, sizeof(value_of));
    out->all_types = true;
    for (int k = 0; k < t->size; k++) {
        gf_view key;
        gf_data_type d;
        gf_status st = decode(w, i, &key);
        if (st != GF_OK)
            return st;
        int value = i + 1;
        if (gf_data_type_parse(key.ptr, key.len, &d) == GF_OK && d != GF_DATA_ALL) {
            if (value_of[d] != 0)
                return GF_E_JSON; /* a type listed twice (null or not): which is right? */
            value_of[d] = value;
        }
        i = skip(w, value);
    }
    for (unsigned d = 0; d < GF_DATA_TYPES; d++) {
        int value = value_of[d];
        if (value == 0 || (w->tok[value].type == JSMN_PRIMITIVE && w->body[w->tok[value].start] == 'n'))
            continue; /* absent or null: the type is not there */
        size_t first = out->count;
        gf_status st = add_links(w, value, out);
        if (st != GF_OK)
            return st;
        out->type[d].present = true;
        out->type[d].first = (uint16_t)first;
        out->type[d].count = (uint16_t)(out->count - first);
    }
    return GF_OK;
}

typedef struct field {
    const char *name;
    size_t offset; /* of the gf_view in gf_answer, or SIZE_MAX for special fields */
} field;

#define VIEW_AT(f) offsetof(gf_answer, f)
static const field fields[] = {
    {"status", SIZE_MAX},
    {"downloadLinks", SIZE_MAX},
    {"exportType", VIEW_AT(export_type)},
    {"dataType", VIEW_AT(data_type)},
    {"exportDate", VIEW_AT(export_date)},
    {"exportVersion", VIEW_AT(export_version)},
    {"requestTime", VIEW_AT(request_time)},
    {"errorMsg", VIEW_AT(error_msg)},
};

static const char *const state_names[] = {"FINISHED", "RUNNING", "NOT_EXISTS", "ERROR"};

const char *gf_export_state_name(gf_export_state s)
{
    return (unsigned)s < GF_ARRAY_LEN(state_names) ? state_names[s] : NULL;
}

static gf_status parse_status(gf_view v, gf_export_state *out)
{
    int k = gf_view_index(v, state_names, GF_ARRAY_LEN(state_names));
    if (k < 0)
        return GF_E_STATUS_UNKNOWN;
    *out = (gf_export_state)k;
    return GF_OK;
}

static gf_status map_answer(const walk *w, gf_answer *out)
{
    bool seen[GF_ARRAY_LEN(fields)] = {false};
    int links = -1, status = -1;
    int i = 1;

    for (int k = 0; k < w->tok[0].size; k++) {
        gf_view key;
        gf_status st = decode(w, i, &key);
        if (st != GF_OK)
            return st;
        int value = i + 1;
        for (unsigned f = 0; f < GF_ARRAY_LEN(fields); f++) {
            if (!gf_view_eq(key, fields[f].name))
                continue;
            if (seen[f])
                return GF_E_JSON; /* a field given twice: no way to know which counts */
            seen[f] = true;
            if (f == 0)
                status = value;
            else if (f == 1)
                links = value;
            else if ((st = text_field(w, value, (gf_view *)((char *)out + fields[f].offset))) !=
                     GF_OK)
                return st;
        }
        i = skip(w, value);
    }

    if (status < 0)
        return GF_E_STATUS_MISSING;
    if (w->tok[status].type != JSMN_STRING)
        return GF_E_FIELD_TYPE;
    gf_view sv;
    gf_status st = decode(w, status, &sv);
    if (st != GF_OK || (st = parse_status(sv, &out->state)) != GF_OK)
        return st;

    if (links < 0 || (w->tok[links].type == JSMN_PRIMITIVE && w->body[w->tok[links].start] == 'n')) {
        /* A FINISHED answer must say which files it has; others need not. */
        return out->state == GF_STATE_FINISHED ? GF_E_LINKS_TYPE : GF_OK;
    }
    if (w->tok[links].type == JSMN_OBJECT) /* all types; a build without them refuses it */
        return GF_FEATURE_ALL_TYPES ? typed_links(w, links, out) : GF_E_LINKS_TYPE;
    return add_links(w, links, out);
}

/* Validate and tokenize an answer whose top level must be an object. */
static gf_status tokenize(char *body, size_t len, gf_json_token *tokens, size_t ntokens, walk *w)
{
    jsmn_parser parser;
    gf_status st;

    if (len > INT_MAX / 2 || ntokens > INT_MAX / 2)
        return GF_E_TOO_LARGE;
    if ((st = gf_json_validate(body, len)) != GF_OK)
        return st;
    for (size_t i = 0; body[i] != '{'; i++) {
        if (body[i] != ' ' && body[i] != '\t' && body[i] != '\n' && body[i] != '\r')
            return GF_E_JSON_TOP;
    }
    jsmn_init(&parser);
    int n = jsmn_parse(&parser, body, len, (jsmntok_t *)tokens, (unsigned)ntokens);
    if (n == JSMN_ERROR_NOMEM)
        return GF_E_TOO_LARGE;
    if (n < 1)
        return GF_E_JSON;
    w->body = body;
    w->tok = (const jsmntok_t *)tokens;
    w->count = n;
    return GF_OK;
}

gf_status gf_answer_parse_for(char *body, size_t len, gf_json_token *tokens, size_t ntokens,
                              gf_answer *out, size_t size, uint32_t config_id)
{
    walk w;
    gf_status st;

    if (size != sizeof(gf_answer) || config_id != GF_CONFIG_ID)
        return GF_E_CONFIG; /* another layout: writing *out could corrupt memory */
    if (body == NULL || tokens == NULL || out == NULL)
        return GF_E_ARGUMENT;
    memset(out, 0, sizeof(*out));
    st = tokenize(body, len, tokens, ntokens, &w);
    if (st == GF_OK)
        st = map_answer(&w, out);
    if (st != GF_OK) {
        memset(out, 0, sizeof(*out));
        return st;
    }
    gf_view *views[] = {&out->export_type, &out->data_type, &out->export_date,
                        &out->export_version, &out->request_time, &out->error_msg};
    for (size_t i = 0; i < GF_ARRAY_LEN(views); i++) {
        if (views[i]->ptr == NULL)
            views[i]->ptr = empty;
    }
    return GF_OK;
}

#if GF_FEATURE_MINT /* the answer of /auth/token: only minting reads it */
static gf_status token_answer(char *body, size_t len, gf_json_token *tokens, size_t ntokens,
                              gf_view *code)
{
    walk w;
    gf_view status = {NULL, 0}, key;
    int i = 1;
    gf_status st = tokenize(body, len, tokens, ntokens, &w);
    if (st != GF_OK)
        return st;
    for (int k = 0; k < w.tok[0].size; k++) {
        if ((st = decode(&w, i, &key)) != GF_OK)
            return st;
        int value = i + 1;
        if (gf_view_eq(key, "status") || gf_view_eq(key, "code")) {
            gf_view *dst = key.ptr[0] == 's' ? &status : code;
            if (dst->ptr != NULL)
                return GF_E_JSON; /* given twice */
            if (w.tok[value].type != JSMN_STRING)
                return GF_E_FIELD_TYPE;
            if ((st = decode(&w, value, dst)) != GF_OK)
                return st;
        }
        i = skip(&w, value);
    }
    if (status.ptr == NULL)
        return GF_E_STATUS_MISSING;
    if (!gf_view_eq(status, "success") || code->ptr == NULL || code->len == 0)
        return GF_E_AUTH;
    return GF_OK;
}

gf_status gf_token_answer_parse(char *body, size_t len, gf_json_token *tokens, size_t ntokens,
                                gf_view *code)
{
    if (body == NULL || tokens == NULL || code == NULL)
        return GF_E_ARGUMENT;
    code->ptr = NULL;
    code->len = 0;
    gf_status st = token_answer(body, len, tokens, ntokens, code);
    if (st != GF_OK) {
        code->ptr = NULL; /* no half-answer: a refused code is no code */
        code->len = 0;
    }
    return st;
}
#endif
