/* JSON helpers of the answer parser. Not part of the API. */
#ifndef GF_JSON_H
#define GF_JSON_H

#include "internal.h"

/*
 * Check that s[0..len) is exactly one JSON text (RFC 8259): the grammar,
 * every escape, numbers and literals, nothing but whitespace around it.
 * jsmn accepts some invalid texts even in strict mode; this runs first so
 * that none of them reaches the tokens. Iterative; nesting is limited to
 * GF_JSON_DEPTH_MAX.
 * Returns GF_OK, GF_E_JSON or GF_E_TOO_LARGE (too deep).
 */
gf_status gf_json_validate(const char *s, size_t len);

/*
 * Decode the escapes of a validated string body (between the quotes) in
 * place, \uXXXX and surrogate pairs to UTF-8, and NUL-terminate it. The
 * result is never longer than the input, and the NUL lands at most on the
 * closing quote. Returns false for a lone or reversed surrogate.
 */
bool gf_json_unescape(char *s, size_t len, size_t *out_len);

/*
 * The answer of POST /auth/token: {"status":"success","code":"<token>"}.
 * *code points into body (decoded, NUL-terminated). Returns GF_OK, GF_E_AUTH
 * (status other than success, or no code), or a JSON error.
 */
gf_status gf_token_answer_parse(char *body, size_t len, gf_json_token *tokens, size_t ntokens,
                                gf_view *code);

#endif /* GF_JSON_H */
