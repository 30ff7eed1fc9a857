/* SPDX-License-Identifier: MIT */
/* The blocking TLS socket (natter/tls.h, Python's SSLSocket): a client in
 * the test's thread, a server on a natter thread, both blocking with
 * timeouts.  nt_tls_wrap's handshake and its codes for bad certificates,
 * a plain-text server and a silent one; data both ways with nt_tls_send,
 * nt_tls_sendall and nt_tls_recv; close_notify as NT_EOF, a cut stream as
 * NT_ECONNRESET; the socket's timeout on a stalled peer; client
 * certificates.  The certificates come from make-certs.sh, in
 * $NATTER_TEST_CERTS (tls-helpers.h, shared with test-tls.c). */
#include "helpers.h"
#include "tls-helpers.h"

#include <natter/thread.h>
#include <natter/tls.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the server thread ---- */

enum mode {
    ECHO,       /* read a 4-byte length and that much, send it back, close_notify */
    STALL,      /* handshake, then wait to be released */
    CUT,        /* handshake, send "partial", close without close_notify */
    BAD,        /* handshake (expected to fail) */
    PLAIN_SAYS, /* no TLS: say "hello\r\n", then wait to be released */
    SILENT      /* no TLS: wait to be released */
};

struct server {
    nt_socket *l;
    uint16_t port;
    nt_tls_config *cfg;
    enum mode mode;
    nt_thread *thread;
    nt_mutex *lock;
    int released; /* under lock */
    /* what the thread saw, read after join */
    int accept_rc, wrap_rc, end_rc, send_rc;
    nt_tls_info info;
    size_t got, bad;
};

static int released(struct server *sv)
{
    nt_mutex_lock(sv->lock);
    int r = sv->released;
    nt_mutex_unlock(sv->lock);
    return r;
}

static void release(struct server *sv)
{
    nt_mutex_lock(sv->lock);
    sv->released = 1;
    nt_mutex_unlock(sv->lock);
}

static void wait_released(struct server *sv)
{
    uint64_t deadline = nt_clock_ms() + 30000;
    while (!released(sv) && nt_clock_ms() < deadline)
        nt_sleep_ms(2);
}

/* recv exactly len bytes (or an error). */
static int recv_all(nt_tls_socket *t, char *p, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ptrdiff_t n = nt_tls_recv(t, p + got, len - got);
        if (n <= 0)
            return n == 0 ? NT_EPROTO : (int)n;
        got += (size_t)n;
    }
    return NT_OK;
}

static void server_main(void *arg)
{
    struct server *sv = arg;
    nt_socket *s = NULL;
    nt_tls_socket *t = NULL;
    sv->accept_rc = nt_socket_accept(sv->l, &s, NULL);
    if (sv->accept_rc != NT_OK)
        return;
    nt_socket_settimeout(s, 10.0);
    if (sv->mode == PLAIN_SAYS || sv->mode == SILENT) {
        if (sv->mode == PLAIN_SAYS)
            sv->send_rc = nt_socket_sendall(s, "hello\r\n", 7, NULL);
        wait_released(sv);
        nt_socket_close(s);
        return;
    }
    sv->wrap_rc = nt_tls_wrap(s, sv->cfg, NULL, &t);
    if (sv->wrap_rc != NT_OK)
        return; /* s is closed */
    nt_tls_socket_info(t, &sv->info);
    switch (sv->mode) {
    case ECHO: {
        unsigned char hdr[4];
        sv->end_rc = recv_all(t, (char *)hdr, 4);
        if (sv->end_rc != NT_OK)
            break;
        size_t len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
        char *p = malloc(len ? len : 1);
        if (!p)
            break;
        sv->end_rc = recv_all(t, p, len);
        sv->got = len;
        sv->bad = nt_test_pattern_errors(p, 0, len);
        if (sv->end_rc == NT_OK)
            sv->send_rc = nt_tls_sendall(t, p, len, NULL);
        free(p);
        if (sv->end_rc == NT_OK && sv->send_rc == NT_OK)
            sv->send_rc = nt_tls_shutdown(t);
        /* then whatever the client does: its close_notify is NT_EOF */
        char b[16];
        sv->end_rc = (int)nt_tls_recv(t, b, sizeof b);
        break;
    }
    case STALL:
        wait_released(sv);
        nt_tls_shutdown(t);
        break;
    case CUT:
        sv->send_rc = nt_tls_sendall(t, "partial", 7, NULL);
        break;
    default:
        break;
    }
    nt_tls_close(t);
}

static void server_start(struct server *sv, nt_tls_config *cfg, enum mode mode)
{
    memset(sv, 0, sizeof *sv);
    nt_addr a;
    sv->l = nt_test_listener(NT_AF_INET, &a);
    sv->port = a.port;
    CU_ASSERT_FATAL(nt_socket_settimeout(sv->l, 10.0) == NT_OK);
    CU_ASSERT_FATAL(nt_mutex_new(&sv->lock) == NT_OK);
    sv->cfg = cfg;
    sv->mode = mode;
    sv->accept_rc = sv->wrap_rc = sv->end_rc = sv->send_rc = NT_EINPROGRESS;
    CU_ASSERT_FATAL(nt_thread_start(server_main, sv, &sv->thread) == NT_OK);
}

static void server_join(struct server *sv)
{
    release(sv);
    CU_ASSERT_EQUAL(nt_thread_join(sv->thread), NT_OK);
    nt_socket_close(sv->l);
    nt_mutex_free(sv->lock);
    NT_TEST_RC(sv->accept_rc, NT_OK);
}

/* A TCP connection to sv with the given timeout, then nt_tls_wrap. */
static int client_wrap(struct server *sv, nt_tls_config *cfg, const char *name, double timeout,
                       nt_tls_socket **t)
{
    nt_socket *s = NULL;
    *t = NULL;
    int rc = nt_socket_create_connection("127.0.0.1", sv->port, 5.0, &s);
    NT_TEST_RC(rc, NT_OK);
    if (rc != NT_OK)
        return rc;
    CU_ASSERT(nt_socket_settimeout(s, timeout) == NT_OK);
    rc = nt_tls_wrap(s, cfg, name, t);
    if (rc != NT_OK)
        CU_ASSERT_PTR_NULL(*t);
    return rc;
}

/* The usual start of a case: a server (scfg, mode) and a client with ccfg
 * that wraps its connection to it, checking the name "localhost", with a
 * 5 s timeout.  nt_tls_wrap's code; *t is the socket when NT_OK. */
static int serve_and_wrap(struct server *sv, nt_tls_config *scfg, enum mode mode,
                          nt_tls_config *ccfg, nt_tls_socket **t)
{
    server_start(sv, scfg, mode);
    return client_wrap(sv, ccfg, "localhost", 5.0, t);
}

/* What most cases use: server.pem's configuration, a client's that trusts
 * the CA, and the server thread. */
struct fixture {
    nt_tls_config *scfg, *ccfg;
    struct server sv;
    uint64_t started_us; /* nt_clock_us() as the server started */
};

/* The configurations, then serve_and_wrap() with them (mode: the
 * server's): nt_tls_wrap's code, *t the client's socket when NT_OK. */
static int fixture_start(struct fixture *f, enum mode mode, nt_tls_socket **t)
{
    f->scfg = nt_test_tls_server("server");
    f->ccfg = nt_test_tls_client(NULL);
    f->started_us = nt_clock_us();
    return serve_and_wrap(&f->sv, f->scfg, mode, f->ccfg, t);
}

/* The configurations let go (the server is joined by then). */
static void fixture_free(struct fixture *f)
{
    nt_tls_config_unref(f->scfg);
    nt_tls_config_unref(f->ccfg);
}

/* A wait that the socket's timeout of 0.3 s ended took about that long
 * (took: seconds), give or take the machine's slack. */
static void check_timed_out(double took)
{
    CU_ASSERT(took >= 0.29);
    CU_ASSERT(took < 0.3 + nt_test_slack_ms() / 1000.0);
}

/* ---- the cases ---- */

static void test_echo(void)
{
    char server_fp[NT_TLS_FINGERPRINT_LEN];
    nt_test_cert_fingerprint("server", server_fp);
    struct fixture f;
    nt_tls_socket *t = NULL;
    int rc = fixture_start(&f, ECHO, &t);
    printf("\n    handshake in %.1f ms ", nt_test_elapsed(f.started_us) * 1000);
    NT_TEST_RC(rc, NT_OK);
    if (rc == NT_OK) {
        nt_tls_info info;
        NT_TEST_RC(nt_tls_socket_info(t, &info), NT_OK);
        CU_ASSERT_EQUAL(info.handshake_done, 1);
        CU_ASSERT_STRING_EQUAL(info.protocol, "TLSv1.3");
        CU_ASSERT(info.cipher[0] != '\0');
        CU_ASSERT_STRING_EQUAL(info.peer_fingerprint, server_fp);
        NT_TEST_RC(info.verify_result, NT_OK);
        CU_ASSERT_PTR_NOT_NULL(nt_tls_socket_raw(t));
        CU_ASSERT(nt_socket_gettimeout(nt_tls_socket_raw(t)) == 5.0);
        /* The length with nt_tls_send (some of it each time), the data
         * with nt_tls_sendall. */
        size_t len = 1024 * 1024;
        unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                                (unsigned char)(len >> 8), (unsigned char)len};
        size_t off = 0;
        while (off < 4) {
            ptrdiff_t n = nt_tls_send(t, hdr + off, 4 - off);
            CU_ASSERT_FATAL(n > 0);
            off += (size_t)n;
        }
        char *p = malloc(len);
        CU_ASSERT_FATAL(p != NULL);
        nt_test_fill_pattern(p, 0, len);
        size_t sent = 0;
        NT_TEST_RC(nt_tls_sendall(t, p, len, &sent), NT_OK);
        CU_ASSERT_EQUAL(sent, len);
        memset(p, 0, len);
        NT_TEST_RC(recv_all(t, p, len), NT_OK);
        CU_ASSERT_EQUAL(nt_test_pattern_errors(p, 0, len), 0);
        free(p);
        /* The server's close_notify, then ours. */
        char b[16];
        NT_TEST_RC(nt_tls_recv(t, b, sizeof b), NT_EOF);
        NT_TEST_RC(nt_tls_recv(t, b, sizeof b), NT_EOF);
        NT_TEST_RC(nt_tls_shutdown(t), NT_OK);
        printf("1 MiB echoed in %.2f s ", nt_test_elapsed(f.started_us));
        nt_tls_close(t);
    }
    server_join(&f.sv);
    NT_TEST_RC(f.sv.wrap_rc, NT_OK);
    CU_ASSERT_EQUAL(f.sv.got, 1024 * 1024);
    CU_ASSERT_EQUAL(f.sv.bad, 0);
    NT_TEST_RC(f.sv.send_rc, NT_OK);
    NT_TEST_RC(f.sv.end_rc, NT_EOF);
    CU_ASSERT_STRING_EQUAL(f.sv.info.protocol, "TLSv1.3");
    CU_ASSERT_STRING_EQUAL(f.sv.info.peer_fingerprint, "");
    fixture_free(&f);
}

static void test_timeouts(void)
{
    /* A server that completes the handshake and then says nothing: the
     * socket's timeout ends each recv, and the socket stays usable. */
    struct fixture f;
    nt_tls_socket *t = NULL;
    int rc = fixture_start(&f, STALL, &t);
    NT_TEST_RC(rc, NT_OK);
    if (rc == NT_OK) {
        CU_ASSERT(nt_socket_settimeout(nt_tls_socket_raw(t), 0.3) == NT_OK);
        char b[16];
        for (int i = 0; i < 2; i++) {
            uint64_t start = nt_clock_us();
            NT_TEST_RC(nt_tls_recv(t, b, sizeof b), NT_ETIMEDOUT);
            double took = nt_test_elapsed(start);
            printf("\n    recv timed out after %.3f s ", took);
            check_timed_out(took);
        }
        CU_ASSERT(nt_socket_settimeout(nt_tls_socket_raw(t), 5.0) == NT_OK);
        release(&f.sv);
        NT_TEST_RC(nt_tls_recv(t, b, sizeof b), NT_EOF); /* it goes on: close_notify */
        nt_tls_close(t);
    }
    server_join(&f.sv);
    NT_TEST_RC(f.sv.wrap_rc, NT_OK);

    /* A server that never answers the ClientHello: nt_tls_wrap's handshake
     * ends with the socket's timeout. */
    server_start(&f.sv, NULL, SILENT);
    uint64_t start = nt_clock_us();
    rc = client_wrap(&f.sv, f.ccfg, "localhost", 0.3, &t);
    double took = nt_test_elapsed(start);
    printf("\n    handshake with a silent server: %s after %.3f s ", nt_err_name(rc), took);
    NT_TEST_RC(rc, NT_ETIMEDOUT);
    check_timed_out(took);
    server_join(&f.sv);
    fixture_free(&f);
}

static void test_cut_stream(void)
{
    struct fixture f;
    nt_tls_socket *t = NULL;
    int rc = fixture_start(&f, CUT, &t);
    NT_TEST_RC(rc, NT_OK);
    if (rc == NT_OK) {
        char b[64];
        size_t got = 0;
        ptrdiff_t n;
        while ((n = nt_tls_recv(t, b + got, sizeof b - 1 - got)) > 0)
            got += (size_t)n;
        b[got] = '\0';
        printf("\n    \"%s\", then %s ", b, nt_err_name((int)n));
        CU_ASSERT_STRING_EQUAL(b, "partial");
        NT_TEST_RC(n, NT_ECONNRESET);
        nt_tls_close(t);
    }
    server_join(&f.sv);
    NT_TEST_RC(f.sv.send_rc, NT_OK);
    fixture_free(&f);
}

static void test_bad_certificates(void)
{
    nt_tls_config *ccfg = nt_test_tls_client(NULL);
    for (size_t i = 0; i < nt_test_bad_cert_count; i++) {
        const struct nt_test_bad_cert *b = &nt_test_bad_certs[i];
        char fp[NT_TLS_FINGERPRINT_LEN];
        nt_test_cert_fingerprint(b->name, fp);
        nt_tls_config *scfg = nt_test_tls_server(b->name);
        struct server sv;
        nt_tls_socket *t = NULL;
        int rc = serve_and_wrap(&sv, scfg, BAD, ccfg, &t);
        server_join(&sv);
        printf("\n    %s: client %s, server %s; ", b->name, nt_err_name(rc),
               nt_err_name(sv.wrap_rc));
        NT_TEST_RC(rc, b->code);
        CU_ASSERT(nt_test_is_tls_error(sv.wrap_rc) || nt_err_is_disconnect(sv.wrap_rc));
        if (rc == NT_OK)
            nt_tls_close(t);

        /* Pinned: through, and verify_result says what was wrong. */
        nt_tls_config *pinned = nt_test_tls_client(NULL);
        NT_TEST_RC(nt_tls_config_pin(pinned, fp), NT_OK);
        rc = serve_and_wrap(&sv, scfg, STALL, pinned, &t);
        printf("pinned: %s ", nt_err_name(rc));
        NT_TEST_RC(rc, NT_OK);
        if (rc == NT_OK) {
            nt_tls_info info;
            NT_TEST_RC(nt_tls_socket_info(t, &info), NT_OK);
            CU_ASSERT_STRING_EQUAL(info.peer_fingerprint, fp);
            NT_TEST_RC(info.verify_result, b->code);
            NT_TEST_RC(nt_tls_shutdown(t), NT_OK);
            nt_tls_close(t);
        }
        server_join(&sv);
        NT_TEST_RC(sv.wrap_rc, NT_OK);
        nt_tls_config_unref(pinned);
        nt_tls_config_unref(scfg);
    }
    nt_tls_config_unref(ccfg);
}

static void test_plain_server(void)
{
    nt_tls_config *ccfg = nt_test_tls_client(NULL);
    struct server sv;
    nt_tls_socket *t = NULL;
    int rc = serve_and_wrap(&sv, NULL, PLAIN_SAYS, ccfg, &t);
    printf("\n    a server that says hello: %s ", nt_err_name(rc));
    NT_TEST_RC(rc, NT_ETLS_PLAINTEXT);
    if (rc == NT_OK)
        nt_tls_close(t);
    server_join(&sv);
    NT_TEST_RC(sv.send_rc, NT_OK);
    nt_tls_config_unref(ccfg);
}

static void test_client_certificates(void)
{
    char client_fp[NT_TLS_FINGERPRINT_LEN];
    nt_test_cert_fingerprint("client", client_fp);
    nt_tls_config *scfg = nt_test_tls_config(NT_TLS_SERVER, "server", 1);
    NT_TEST_RC(nt_tls_config_set_verify(scfg, NT_TLS_VERIFY_REQUIRED), NT_OK);
    nt_tls_config *with = nt_test_tls_client("client");
    nt_tls_config *without = nt_test_tls_client(NULL);
    /* With a certificate the CA signed: the server knows it. */
    struct server sv;
    nt_tls_socket *t = NULL;
    int rc = serve_and_wrap(&sv, scfg, STALL, with, &t);
    NT_TEST_RC(rc, NT_OK);
    release(&sv);
    if (rc == NT_OK) {
        char b[16];
        NT_TEST_RC(nt_tls_recv(t, b, sizeof b), NT_EOF);
        nt_tls_close(t);
    }
    server_join(&sv);
    NT_TEST_RC(sv.wrap_rc, NT_OK);
    CU_ASSERT_STRING_EQUAL(sv.info.peer_fingerprint, client_fp);
    /* Without: NT_ETLS_NOCERT on both ends.  With TLS 1.3 the client's
     * handshake may end before the server's verdict, which it then reads. */
    rc = serve_and_wrap(&sv, scfg, STALL, without, &t);
    int wrap_rc = rc;
    if (rc == NT_OK) {
        char b[16];
        rc = (int)nt_tls_recv(t, b, sizeof b);
        nt_tls_close(t);
    }
    server_join(&sv);
    printf("\n    no client certificate: wrap %s, then %s; server %s ", nt_err_name(wrap_rc),
           nt_err_name(rc), nt_err_name(sv.wrap_rc));
    NT_TEST_RC(rc, NT_ETLS_NOCERT);
    NT_TEST_RC(sv.wrap_rc, NT_ETLS_NOCERT);
    nt_tls_config_unref(scfg);
    nt_tls_config_unref(with);
    nt_tls_config_unref(without);
}

/* ---- configuration calls ---- */

static void test_config_calls(void)
{
    char fp[NT_TLS_FINGERPRINT_LEN], out[NT_TLS_FINGERPRINT_LEN];
    nt_test_cert_fingerprint("server", fp);
    CU_ASSERT_EQUAL(strspn(fp, "0123456789abcdef"), 64);
    char garbage[512], missing[1300], empty[512];
    nt_test_temp_file(
        garbage, sizeof garbage, "garbage",
        "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
    nt_test_temp_file(empty, sizeof empty, "empty", "");
    snprintf(missing, sizeof missing, "%s", nt_test_cert("no-such-file.pem"));

    /* Certificates and keys: each failure has its code and its words, and
     * leaves what the configuration had. */
    nt_tls_config *scfg = nt_test_tls_server("server");
    CU_ASSERT_STRING_EQUAL(nt_tls_config_error(scfg), "");
    NT_TEST_RC(nt_tls_config_set_certificate(scfg, missing, nt_test_cert("server-key.pem")),
               NT_ENOENT);
    CU_ASSERT(nt_tls_config_error(scfg)[0] != '\0');
    NT_TEST_RC(nt_tls_config_set_certificate(scfg, nt_test_cert("server.pem"), missing), NT_ENOENT);
    NT_TEST_RC(nt_tls_config_set_certificate(scfg, garbage, nt_test_cert("server-key.pem")),
               NT_ETLS_CONFIG);
    printf("\n    garbage: \"%s\" ", nt_tls_config_error(scfg));
    CU_ASSERT(nt_tls_config_error(scfg)[0] != '\0');
    NT_TEST_RC(nt_tls_config_set_certificate(scfg, empty, nt_test_cert("server-key.pem")),
               NT_ETLS_CONFIG);
    NT_TEST_RC(nt_tls_config_set_certificate(scfg, nt_test_cert("server.pem"), garbage),
               NT_ETLS_CONFIG);
    NT_TEST_RC(
        nt_tls_config_set_certificate(scfg, nt_test_cert("server.pem"), nt_test_cert("server.pem")),
        NT_ETLS_CONFIG); /* a certificate where the key should be */
    NT_TEST_RC(nt_tls_config_set_certificate(scfg, nt_test_cert("server.pem"),
                                             nt_test_cert("client-key.pem")),
               NT_ETLS_CONFIG);
    printf("mismatch: \"%s\" ", nt_tls_config_error(scfg));
    CU_ASSERT(nt_tls_config_error(scfg)[0] != '\0');
    NT_TEST_RC(nt_tls_config_set_ca_file(scfg, missing), NT_ENOENT);
    NT_TEST_RC(nt_tls_config_set_ca_file(scfg, garbage), NT_ETLS_CONFIG);
    NT_TEST_RC(nt_tls_config_set_verify(scfg, (nt_tls_verify)42), NT_EINVAL);
    /* ...and the server still presents server.pem. */
    nt_tls_config *ccfg = nt_test_tls_client(NULL);
    struct server sv;
    nt_tls_socket *t = NULL;
    int rc = serve_and_wrap(&sv, scfg, STALL, ccfg, &t);
    NT_TEST_RC(rc, NT_OK);
    if (rc == NT_OK) {
        nt_tls_info info;
        NT_TEST_RC(nt_tls_socket_info(t, &info), NT_OK);
        CU_ASSERT_STRING_EQUAL(info.peer_fingerprint, fp);
        nt_tls_close(t);
    }
    server_join(&sv);

    /* Fingerprints and pins. */
    NT_TEST_RC(nt_tls_fingerprint_file(missing, out), NT_ENOENT);
    NT_TEST_RC(nt_tls_fingerprint_file(garbage, out), NT_ETLS_CONFIG);
    NT_TEST_RC(nt_tls_config_pin(ccfg, "not a fingerprint"), NT_EINVAL);
    NT_TEST_RC(nt_tls_config_pin(ccfg, "abcd"), NT_EINVAL);
    char longer[NT_TLS_FINGERPRINT_LEN + 2];
    snprintf(longer, sizeof longer, "%s00", fp);
    NT_TEST_RC(nt_tls_config_pin(ccfg, longer), NT_EINVAL);
    int i = 0;
    rc = NT_OK;
    for (; i < 40 && rc == NT_OK; i++) {
        char pin[NT_TLS_FINGERPRINT_LEN];
        snprintf(pin, sizeof pin, "%062x%02x", 0u, (unsigned)i);
        rc = nt_tls_config_pin(ccfg, pin);
    }
    printf("pins taken: %d ", i - 1);
    NT_TEST_RC(rc, NT_ENOBUFS);
    CU_ASSERT_EQUAL(i - 1, 16);

    /* Self-made certificates: bad arguments. */
    char crt[512], nodir[600];
    nt_test_temp_file(crt, sizeof crt, "crt", NULL);
    NT_TEST_RC(nt_tls_make_self_signed(NULL, 30, crt, crt), NT_EINVAL);
    NT_TEST_RC(nt_tls_make_self_signed("localhost", 30, NULL, crt), NT_EINVAL);
    snprintf(nodir, sizeof nodir, "%s.no-such-dir/x.pem", crt);
    rc = nt_tls_make_self_signed("localhost", 30, nodir, nodir);
    printf("into a missing folder: %s ", nt_err_name(rc));
    CU_ASSERT(rc < 0);

    /* References. */
    nt_tls_config *cfg = NULL;
    NT_TEST_RC(nt_tls_config_new(NT_TLS_CLIENT, &cfg), NT_OK);
    CU_ASSERT_PTR_EQUAL(nt_tls_config_ref(cfg), cfg);
    nt_tls_config_unref(cfg);
    nt_tls_config_unref(cfg);
    nt_tls_config_unref(NULL);
    nt_tls_config_unref(ccfg);
    nt_tls_config_unref(scfg);
    remove(garbage);
    remove(empty);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        {"wrap, 1 MiB echoed, close_notify both ways (NT_EOF)", test_echo},
        {"the socket's timeout: a stalled peer, a silent handshake", test_timeouts},
        {"a stream cut without close_notify is NT_ECONNRESET", test_cut_stream},
        {"bad certificates: each its own code; a pin gets past", test_bad_certificates},
        {"a plain-text server that talks first: NT_ETLS_PLAINTEXT", test_plain_server},
        {"client certificates: REQUIRED with and without", test_client_certificates},
        {"configuration errors, fingerprints, pins", test_config_calls},
        CU_TEST_INFO_NULL,
    };
    return nt_test_main("tls-socket", tests);
}
