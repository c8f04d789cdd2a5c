/* A program built with other limits than the library: gf_tls_init refuses
 * its gf_tls (whose size follows GF_TLS_SESSIONS and GF_HOST_MAX) before
 * writing past it. The client's and the answer's checks are in
 * test_download.c. Host only: it needs mbedTLS's headers. */
#include "check.h"
#include "giofetch/tls.h"

static void tls_of_another_config_is_refused(void)
{
    static union {
        gf_tls tls;
        unsigned char bytes[sizeof(gf_tls)];
    } u;
    gf_port port;
    memset(&port, 0, sizeof(port));
    memset(u.bytes, 0x5a, sizeof(u.bytes));
    CHECK_ST(gf_tls_init_for(&u.tls, sizeof(gf_tls) - 64, GF_CONFIG_ID), GF_E_CONFIG);
    for (size_t i = sizeof(void *); i < sizeof(u.bytes); i++) {
        if (u.bytes[i] != 0x5a) {
            check_fail(__FILE__, __LINE__, "byte %zu written", i);
            break;
        }
    }
    CHECK_ST(gf_tls_setup(&u.tls, &port), GF_E_CONFIG);
    CHECK_ST(gf_tls_add_ca(&u.tls, (const unsigned char *)"x", 1), GF_E_CONFIG);
    gf_tls_free(&u.tls); /* nothing to free, nothing written */
    CHECK(u.bytes[sizeof(u.bytes) - 1] == 0x5a);
    CHECK_ST(gf_tls_init_for(&u.tls, sizeof(gf_tls), GF_CONFIG_ID + 1u), GF_E_CONFIG);
    CHECK_ST(gf_tls_init(&u.tls), GF_OK);
    CHECK_INT(gf_tls_ca_count(&u.tls), 0);
    gf_tls_free(&u.tls);
}

/* The feature switches are part of GF_CONFIG_ID: a program built with one
 * switch flipped hands gf_client_init another id, and is refused. The id
 * such a program computes is this file's GF_CONFIG_ID with GF_FEATURES
 * redefined (the macro is expanded where it is used). */
enum { features_as_built = GF_FEATURES };
static const uint32_t id_as_built = GF_CONFIG_ID;
#undef GF_FEATURES
#define GF_FEATURES (features_as_built ^ 1u) /* GF_FEATURE_PROXY flipped */
static const uint32_t id_proxy_flipped = GF_CONFIG_ID;

static void other_switches_are_another_config(void)
{
    static gf_client cl;
    gf_port port;
    memset(&port, 0, sizeof(port));
    CHECK(id_proxy_flipped != id_as_built);
    CHECK_ST(gf_client_init_for(&cl, &port, NULL, sizeof(gf_client), id_proxy_flipped),
             GF_E_CONFIG);
    CHECK_ST(gf_client_init_for(&cl, &port, NULL, sizeof(gf_client), id_as_built), GF_OK);
    gf_client_free(&cl);
}

CHECK_SUITE(config, CASE(tls_of_another_config_is_refused), CASE(other_switches_are_another_config));
