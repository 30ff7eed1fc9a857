/* SPDX-License-Identifier: MIT */
/* What the TLS suites (test-tls.c on the loop, test-tls-socket.c on
 * blocking sockets) share: the certificates make-certs.sh made in
 * $NATTER_TEST_CERTS, configurations built from them, the bad ones and
 * the code each must give, and temporary files for the configuration
 * calls.  Compiled into both suites (tests/libnet/meson.build). */
#ifndef NT_TEST_TLS_HELPERS_H
#define NT_TEST_TLS_HELPERS_H

#include <natter/tls.h>

#include <stddef.h>

/* $NATTER_TEST_CERTS/name, from a ring of buffers (a few may be in use at
 * once; only the test's own thread calls it).  The Windows build runs
 * under wine, whose Z: drive is the Unix root.  Fails the test (fatally)
 * when NATTER_TEST_CERTS is not set: meson sets it. */
const char *nt_test_cert(const char *name);

/* The fingerprint of the certificate $NATTER_TEST_CERTS/<name>.pem into fp
 * (NT_TLS_FINGERPRINT_LEN bytes); asserts that it was read. */
void nt_test_cert_fingerprint(const char *name, char *fp);

/* A new configuration for role, presenting <name>.pem with <name>-key.pem
 * (name NULL: none) and, with trust_ca, trusting ca.pem (and nothing
 * else).  A failure is printed with the configuration's words, and is
 * fatal. */
nt_tls_config *nt_test_tls_config(nt_tls_role role, const char *name, int trust_ca);

/* nt_test_tls_config(NT_TLS_SERVER, name, 0): a server presenting name. */
nt_tls_config *nt_test_tls_server(const char *name);

/* nt_test_tls_config(NT_TLS_CLIENT, name, 1): a client that trusts the
 * test CA, with the client certificate name (NULL: none). */
nt_tls_config *nt_test_tls_client(const char *name);

/* True for the NT_ETLS_* codes. */
int nt_test_is_tls_error(int code);

/* The bad server certificates make-certs.sh makes, and the code a client
 * that trusts ca.pem and checks the name "localhost" gets for each. */
struct nt_test_bad_cert {
    const char *name;
    int code;
};
extern const struct nt_test_bad_cert nt_test_bad_certs[];
extern const size_t nt_test_bad_cert_count;

/* A fresh file name in the temporary folder ($TMPDIR, $TEMP, $TMP, else
 * /tmp, or . for the Windows build), unique within the run (tag names the
 * test), into path; the file holds text, or does not exist (text NULL). */
void nt_test_temp_file(char *path, size_t len, const char *tag, const char *text);

#endif
