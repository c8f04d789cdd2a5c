/* Export requests: names of types, validation, and the API's request target. */
#include "internal.h"

static const char *const export_names[] = {"hour", "day"};

static const char *const data_names[GF_DATA_TYPES + 1] = {
    "visit", "page", "action", "action_tag", "custom_event", "ads_track_activation",
    "ads_track_click", "pvar", "evar", "vstr", "all",
};

const char *gf_export_type_name(gf_export_type t)
{
    return (unsigned)t < GF_ARRAY_LEN(export_names) ? export_names[t] : NULL;
}

const char *gf_data_type_name(gf_data_type d)
{
    return (unsigned)d < GF_ARRAY_LEN(data_names) ? data_names[d] : NULL;
}

gf_status gf_export_type_parse(const char *s, size_t len, gf_export_type *out)
{
    int i = gf_view_index((gf_view){s, len}, export_names, GF_ARRAY_LEN(export_names));
    if (i < 0)
        return GF_E_EXPORT_TYPE;
    *out = (gf_export_type)i;
    return GF_OK;
}

gf_status gf_data_type_parse(const char *s, size_t len, gf_data_type *out)
{
    int i = gf_view_index((gf_view){s, len}, data_names, GF_ARRAY_LEN(data_names));
    if (i < 0)
        return GF_E_DATA_TYPE;
    *out = (gf_data_type)i;
    return GF_OK;
}

size_t gf_id_len(const char *s)
{
    size_t n = 0;
    if (s == NULL)
        return 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (n >= GF_AI_MAX || !(gf_is_alpha(c) || gf_is_digit(c) || c == '-' || c == '_'))
            return 0;
    }
    return n;
}

gf_status gf_request_target(const gf_request *req, char *buf, size_t cap, size_t *len)
{
    gf_period period;
    char date[GF_DATE_MAX + 1], num[GF_U64_TEXT];
    size_t ai_len;
    gf_status st;

    if (req == NULL || buf == NULL)
        return GF_E_ARGUMENT;
    const char *type = gf_export_type_name(req->type);
    if (type == NULL)
        return GF_E_EXPORT_TYPE;
    const char *data = gf_data_type_name(req->data);
    if (data == NULL)
        return GF_E_DATA_TYPE;
    if (req->data == GF_DATA_ALL && !GF_FEATURE_ALL_TYPES)
        return GF_E_FEATURE_OFF; /* before a byte is sent */
    if ((ai_len = gf_id_len(req->ai)) == 0)
        return GF_E_AI;
    if (req->date == NULL)
        return GF_E_DATE_FORMAT;
    st = gf_period_parse(req->type, req->date, strlen(req->date), &period);
    if (st != GF_OK)
        return st;
    uint32_t expire = req->expire_min == 0 ? GF_EXPIRE_DEFAULT : req->expire_min;
    if (expire > GF_EXPIRE_MAX)
        return GF_E_EXPIRE;

    gf_period_format(&period, date);
    gf_writer w = {buf, cap, 0, false};
    gf_puts(&w, "/v2/insights/");
    gf_puts(&w, type);
    gf_puts(&w, "/");
    if (req->data != GF_DATA_ALL) {
        gf_puts(&w, data);
        gf_puts(&w, "/");
    }
    gf_put(&w, req->ai, ai_len);
    gf_puts(&w, "/");
    gf_puts(&w, date);
    gf_puts(&w, ".json?expire=");
    gf_format_u64(num, expire);
    gf_put(&w, num, strlen(num) + 1); /* with its NUL: the target fits whole or not at all */
    if (w.overflow) {
        if (cap > 0)
            buf[0] = '\0'; /* never a truncated path, even for a caller who ignores the status */
        return GF_E_BUFFER;
    }
    if (len != NULL)
        *len = w.len - 1;
    return GF_OK;
}
