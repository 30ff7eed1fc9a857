/* SPDX-License-Identifier: MIT */
#include "tls-helpers.h"

#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *nt_test_cert(const char *name)
{
    static char ring[8][1200];
    static unsigned next;
    const char *dir = getenv("NATTER_TEST_CERTS");
    if (!dir || !*dir) {
        printf("\n    NATTER_TEST_CERTS is not set (meson sets it: make-certs.sh's folder)\n");
        CU_FAIL_FATAL("NATTER_TEST_CERTS unset");
    }
    char *buf = ring[next++ % 8];
    const char *drive = nt_test_windows_build() && dir[0] == '/' ? "Z:" : "";
    int n = snprintf(buf, sizeof ring[0], "%s%s/%s", drive, dir, name);
    CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof ring[0]);
    return buf;
}

void nt_test_cert_fingerprint(const char *name, char *fp)
{
    char file[64];
    snprintf(file, sizeof file, "%s.pem", name);
    int rc = nt_tls_fingerprint_file(nt_test_cert(file), fp);
    NT_TEST_RC(rc, NT_OK);
    CU_ASSERT_FATAL(rc == NT_OK);
    CU_ASSERT_EQUAL(strlen(fp), 64);
}

nt_tls_config *nt_test_tls_config(nt_tls_role role, const char *name, int trust_ca)
{
    nt_tls_config *cfg = NULL;
    CU_ASSERT_FATAL(nt_tls_config_new(role, &cfg) == NT_OK && cfg != NULL);
    if (name) {
        char crt[64], key[64];
        snprintf(crt, sizeof crt, "%s.pem", name);
        snprintf(key, sizeof key, "%s-key.pem", name);
        int rc = nt_tls_config_set_certificate(cfg, nt_test_cert(crt), nt_test_cert(key));
        if (rc != NT_OK)
            printf("\n    set_certificate(%s): %s: %s\n", name, nt_err_name(rc),
                   nt_tls_config_error(cfg));
        CU_ASSERT_FATAL(rc == NT_OK);
    }
    if (trust_ca) {
        int rc = nt_tls_config_set_ca_file(cfg, nt_test_cert("ca.pem"));
        if (rc != NT_OK)
            printf("\n    set_ca_file: %s: %s\n", nt_err_name(rc), nt_tls_config_error(cfg));
        CU_ASSERT_FATAL(rc == NT_OK);
    }
    return cfg;
}

nt_tls_config *nt_test_tls_server(const char *name)
{
    return nt_test_tls_config(NT_TLS_SERVER, name, 0);
}

nt_tls_config *nt_test_tls_client(const char *name)
{
    return nt_test_tls_config(NT_TLS_CLIENT, name, 1);
}

int nt_test_is_tls_error(int code)
{
    return code <= NT_ETLS_HANDSHAKE && code >= NT_ETLS_CONFIG;
}

const struct nt_test_bad_cert nt_test_bad_certs[] = {
    {"expired", NT_ETLS_EXPIRED},     /* valid 2020-2021 */
    {"future", NT_ETLS_EXPIRED},      /* valid 2090-2091 */
    {"wronghost", NT_ETLS_HOSTNAME},  /* for "other.example" */
    {"self", NT_ETLS_SELFSIGNED},     /* signed by itself */
    {"untrusted", NT_ETLS_UNTRUSTED}, /* signed by a CA nobody trusts */
};
const size_t nt_test_bad_cert_count = sizeof nt_test_bad_certs / sizeof nt_test_bad_certs[0];

void nt_test_temp_file(char *path, size_t len, const char *tag, const char *text)
{
    static unsigned counter;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = getenv("TEMP");
    if (!dir || !*dir)
        dir = getenv("TMP");
    if (!dir || !*dir)
        dir = nt_test_windows_build() ? "." : "/tmp";
    int n = snprintf(path, len, "%s/nt-tls-%s-%llx-%u.pem", dir, tag,
                     (unsigned long long)nt_clock_wall_us(), counter++);
    CU_ASSERT_FATAL(n > 0 && (size_t)n < len);
    if (!text) {
        remove(path);
        return;
    }
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
}
