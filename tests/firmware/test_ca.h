/*
 * A throwaway CA certificate for the firmware example's TLS steps (P-256,
 * made with the openssl CLI for this test; its key was not kept). Only
 * parsed: no connection is ever verified against it.
 */
#ifndef FW_TEST_CA_H
#define FW_TEST_CA_H

static const char test_ca_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBtTCCAVugAwIBAgIUQGrh3/j2PLE7aFxwyshvPVFJxiIwCgYIKoZIzj0EAwIw\n"
    "JzElMCMGA1UEAwwcZ2lvZmV0Y2ggZmlybXdhcmUgZXhhbXBsZSBDQTAgFw0yNjEx\n"
    "MjgxODEwNTNaGA8yMTI2MTEwNDE4MTA1M1owJzElMCMGA1UEAwwcZ2lvZmV0Y2gg\n"
    "ZmlybXdhcmUgZXhhbXBsZSBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABGy5\n"
    "CER8P9TAqUmIV10O3l5qVaGBSG+k9cjyYfvVDXaRMMnf/uFa0DKoZlwxmVTaKTji\n"
    "fME09dFyigqu/oAcI1qjYzBhMB0GA1UdDgQWBBS2EFI90XbI0amj9TnJTIEi6eNE\n"
    "VDAfBgNVHSMEGDAWgBS2EFI90XbI0amj9TnJTIEi6eNEVDAPBgNVHRMBAf8EBTAD\n"
    "AQH/MA4GA1UdDwEB/wQEAwIBBjAKBggqhkjOPQQDAgNIADBFAiEA1HNPB8M7WbYW\n"
    "qn0n82Sk272J5Whpt2oNL4DKETXa8jACIEDrDLa9VPO5PzzD0+L/3f9+LAC4XF86\n"
    "Ib6YBXKvsSQn\n"
    "-----END CERTIFICATE-----\n"
    ;

#endif
