/* SPDX-License-Identifier: MIT */
/* A tiny peer for the cross-OS test (tests/libnet/interop.sh), built natively and
 * for Windows from the same source, so a Linux program and a Windows
 * program (under wine) can face each other over loopback:
 *
 *   peer serve echo|close|reset
 *       listen on 127.0.0.1:0, print "PORT <n>", accept one client, read
 *       one line, then echo it back and close (echo), close in order
 *       (close), or close with SO_LINGER {1, 0} so the client gets an RST
 *       (reset); print "SERVED <mode>".
 *   peer connect PORT
 *       connect to 127.0.0.1:PORT, send one line, read until the peer is
 *       gone; print "DATA <text>" for what came back and "END EOF",
 *       "END RESET" or "END <error name>" for how it ended.
 *
 * and over TLS (natter/tls.h, blocking sockets), both ways:
 *
 *   peer tls-serve echo|cut CERT KEY CA
 *       listen on 127.0.0.1:0, print "PORT <n>", accept one client and
 *       complete a TLS handshake as the server with CERT and KEY, asking
 *       for a client certificate that must chain to CA; print "PEER
 *       <SHA-256 of the client's certificate>" and "PROTO <version>"; send
 *       "hello from <platform> (TLS server)", read one line, print "GOT
 *       <line>" and echo it back; then end the stream with close_notify and
 *       wait for the client's end (echo), or close the socket without
 *       close_notify (cut); print "SERVED tls-<mode>".
 *   peer tls-connect PORT CA CERT KEY
 *       connect to 127.0.0.1:PORT, TLS handshake verifying the server
 *       against CA and the name 127.0.0.1, presenting CERT and KEY; print
 *       "PEER <SHA-256 of the server's certificate>" and "PROTO
 *       <version>"; read the server's line ("DATA <text>"), send "hello
 *       from <platform> (TLS client)", read the echo ("ECHO <text>"), then
 *       read until the end: "END EOF" (close_notify), "END RESET" (a stream
 *       cut without one, or a reset) or "END <error name>"; a client that
 *       saw close_notify answers with its own.
 *   peer fingerprint CERT
 *       print the SHA-256 fingerprint of the PEM certificate (libnatter's
 *       nt_tls_fingerprint_file, for comparison with openssl's).
 *
 * Every wait has a deadline, so a peer whose partner died exits on its
 * own.  Exit status 0 when the exchange ran, 1 on an error, 2 on usage. */
#include <natter/net.h>
#include <natter/tls.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nt-config.h" /* NT_PLATFORM: which side of the test this is */

#define WAIT_SECONDS 30.0
#define LINE_MAX_LEN 256

static int fail(const char *what, int rc)
{
    fprintf(stderr, "peer (%s): %s: %s (%s)\n", NT_PLATFORM, what, nt_strerror(rc),
            nt_err_name(rc));
    return 1;
}

/* Read up to and including the first newline; returns its length or an
 * NT_E* code. */
static int read_line(nt_socket *s, char *line, size_t size)
{
    size_t len = 0;
    while (len + 1 < size) {
        ptrdiff_t n = nt_socket_recv(s, line + len, 1, 0);
        if (n < 0)
            return (int)n;
        len++;
        if (line[len - 1] == '\n')
            break;
    }
    line[len] = '\0';
    return (int)len;
}

static int serve(const char *mode)
{
    int echo = strcmp(mode, "echo") == 0;
    int reset = strcmp(mode, "reset") == 0;
    if (!echo && !reset && strcmp(mode, "close") != 0) {
        fprintf(stderr, "peer: unknown mode '%s'\n", mode);
        return 2;
    }
    nt_addr lo, bound;
    nt_socket *l = NULL, *c = NULL;
    nt_addr_loopback(NT_AF_INET, 0, &lo);
    int rc = nt_socket_create_server(&lo, 1, &l);
    if (rc != NT_OK)
        return fail("listen", rc);
    rc = nt_socket_getsockname(l, &bound);
    if (rc != NT_OK)
        return fail("getsockname", rc);
    printf("PORT %u\n", (unsigned)bound.port);
    fflush(stdout);

    nt_socket_settimeout(l, WAIT_SECONDS);
    rc = nt_socket_accept(l, &c, NULL);
    nt_socket_close(l);
    if (rc != NT_OK)
        return fail("accept", rc);
    nt_socket_settimeout(c, WAIT_SECONDS);
    char line[LINE_MAX_LEN];
    rc = read_line(c, line, sizeof line);
    if (rc < 0) {
        nt_socket_close(c);
        return fail("read", rc);
    }
    if (echo) {
        rc = nt_socket_sendall(c, line, strlen(line), NULL);
        if (rc != NT_OK) {
            nt_socket_close(c);
            return fail("echo", rc);
        }
    }
    if (reset) {
        rc = nt_socket_set_option(c, NT_OPT_LINGER, 0);
        if (rc != NT_OK) {
            nt_socket_close(c);
            return fail("linger", rc);
        }
    }
    rc = nt_socket_close(c);
    if (rc != NT_OK)
        return fail("close", rc);
    printf("SERVED %s\n", mode);
    return 0;
}

static int connect_to(const char *port_text)
{
    char *end = NULL;
    unsigned long port = strtoul(port_text, &end, 10);
    if (!*port_text || *end || port == 0 || port > 65535) {
        fprintf(stderr, "peer: bad port '%s'\n", port_text);
        return 2;
    }
    nt_socket *s = NULL;
    int rc = nt_socket_create_connection("127.0.0.1", (uint16_t)port, WAIT_SECONDS, &s);
    if (rc != NT_OK)
        return fail("connect", rc);
    nt_socket_settimeout(s, WAIT_SECONDS);
    char hello[64];
    snprintf(hello, sizeof hello, "hello from %s\n", NT_PLATFORM);
    rc = nt_socket_sendall(s, hello, strlen(hello), NULL);
    if (rc != NT_OK) {
        nt_socket_close(s);
        return fail("send", rc);
    }
    char data[LINE_MAX_LEN];
    size_t len = 0;
    ptrdiff_t n;
    for (;;) {
        n = nt_socket_recv(s, data + len, sizeof data - 1 - len, 0);
        if (n <= 0 || len + (size_t)n >= sizeof data - 1)
            break;
        len += (size_t)n;
    }
    nt_socket_close(s);
    data[len] = '\0';
    if (len > 0 && data[len - 1] == '\n')
        data[--len] = '\0';
    if (len > 0)
        printf("DATA %s\n", data);
    if (n == NT_EOF)
        printf("END EOF\n");
    else if (n == NT_ECONNRESET)
        printf("END RESET\n");
    else
        printf("END %s\n", n > 0 ? "OVERFLOW" : nt_err_name((int)n));
    return nt_err_is_disconnect((int)n) ? 0 : 1;
}

/* ---- TLS ---- */

static int tls_fail(const char *what, int rc, nt_tls_config *cfg)
{
    fprintf(stderr, "peer (%s): %s: %s (%s)%s%s\n", NT_PLATFORM, what, nt_strerror(rc),
            nt_err_name(rc), cfg && nt_tls_config_error(cfg)[0] ? ": " : "",
            cfg ? nt_tls_config_error(cfg) : "");
    nt_tls_config_unref(cfg);
    return 1;
}

/* A line (up to and including '\n', which is dropped) from t. */
static int tls_read_line(nt_tls_socket *t, char *line, size_t size)
{
    size_t len = 0;
    while (len + 1 < size) {
        ptrdiff_t n = nt_tls_recv(t, line + len, 1);
        if (n < 0)
            return (int)n;
        if (line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    if (len && line[len - 1] == '\r')
        line[--len] = '\0';
    return (int)len;
}

/* PEER and PROTO lines for t's session. */
static void print_session(nt_tls_socket *t)
{
    nt_tls_info info;
    if (nt_tls_socket_info(t, &info) == NT_OK) {
        printf("PEER %s\nPROTO %s\n", info.peer_fingerprint[0] ? info.peer_fingerprint : "none",
               info.protocol);
        fflush(stdout);
    }
}

static int tls_serve(const char *mode, const char *cert, const char *key, const char *ca)
{
    int cut = strcmp(mode, "cut") == 0;
    if (!cut && strcmp(mode, "echo") != 0) {
        fprintf(stderr, "peer: unknown TLS mode '%s'\n", mode);
        return 2;
    }
    nt_tls_config *cfg = NULL;
    int rc = nt_tls_config_new(NT_TLS_SERVER, &cfg);
    if (rc == NT_OK)
        rc = nt_tls_config_set_certificate(cfg, cert, key);
    if (rc == NT_OK)
        rc = nt_tls_config_set_ca_file(cfg, ca);
    if (rc == NT_OK)
        rc = nt_tls_config_set_verify(cfg, NT_TLS_VERIFY_REQUIRED);
    if (rc != NT_OK)
        return tls_fail("TLS server configuration", rc, cfg);

    nt_addr lo, bound;
    nt_socket *l = NULL, *c = NULL;
    nt_addr_loopback(NT_AF_INET, 0, &lo);
    rc = nt_socket_create_server(&lo, 1, &l);
    if (rc == NT_OK)
        rc = nt_socket_getsockname(l, &bound);
    if (rc != NT_OK)
        return tls_fail("listen", rc, cfg);
    printf("PORT %u\n", (unsigned)bound.port);
    fflush(stdout);
    nt_socket_settimeout(l, WAIT_SECONDS);
    rc = nt_socket_accept(l, &c, NULL);
    nt_socket_close(l);
    if (rc != NT_OK)
        return tls_fail("accept", rc, cfg);
    nt_socket_settimeout(c, WAIT_SECONDS);
    nt_tls_socket *t = NULL;
    rc = nt_tls_wrap(c, cfg, NULL, &t);
    nt_tls_config_unref(cfg);
    if (rc != NT_OK)
        return fail("TLS handshake", rc);
    print_session(t);
    char line[LINE_MAX_LEN];
    snprintf(line, sizeof line, "hello from %s (TLS server)\n", NT_PLATFORM);
    rc = nt_tls_sendall(t, line, strlen(line), NULL);
    if (rc == NT_OK) {
        rc = tls_read_line(t, line, sizeof line - 1);
        if (rc >= 0) {
            printf("GOT %s\n", line);
            fflush(stdout);
            strcat(line, "\n");
            rc = nt_tls_sendall(t, line, strlen(line), NULL);
        }
    }
    if (rc < 0) {
        nt_tls_close(t);
        return fail("TLS exchange", rc);
    }
    if (!cut) {
        /* close_notify, then the client's end (its close_notify: NT_EOF). */
        rc = nt_tls_shutdown(t);
        if (rc != NT_OK) {
            nt_tls_close(t);
            return fail("TLS shutdown", rc);
        }
        char rest[64];
        ptrdiff_t n;
        while ((n = nt_tls_recv(t, rest, sizeof rest)) > 0)
            ;
        if (n != NT_EOF) {
            nt_tls_close(t);
            return fail("waiting for the client's close_notify", (int)n);
        }
    }
    nt_tls_close(t); /* cut: the socket closes, no close_notify */
    printf("SERVED tls-%s\n", mode);
    return 0;
}

static int tls_connect(const char *port_text, const char *ca, const char *cert, const char *key)
{
    char *end = NULL;
    unsigned long port = strtoul(port_text, &end, 10);
    if (!*port_text || *end || port == 0 || port > 65535) {
        fprintf(stderr, "peer: bad port '%s'\n", port_text);
        return 2;
    }
    nt_tls_config *cfg = NULL;
    int rc = nt_tls_config_new(NT_TLS_CLIENT, &cfg);
    if (rc == NT_OK)
        rc = nt_tls_config_set_ca_file(cfg, ca);
    if (rc == NT_OK)
        rc = nt_tls_config_set_certificate(cfg, cert, key);
    if (rc != NT_OK)
        return tls_fail("TLS client configuration", rc, cfg);
    nt_socket *s = NULL;
    rc = nt_socket_create_connection("127.0.0.1", (uint16_t)port, WAIT_SECONDS, &s);
    if (rc != NT_OK)
        return tls_fail("connect", rc, cfg);
    nt_socket_settimeout(s, WAIT_SECONDS);
    nt_tls_socket *t = NULL;
    rc = nt_tls_wrap(s, cfg, "127.0.0.1", &t);
    nt_tls_config_unref(cfg);
    if (rc != NT_OK)
        return fail("TLS handshake", rc);
    print_session(t);
    char line[LINE_MAX_LEN];
    rc = tls_read_line(t, line, sizeof line);
    if (rc >= 0) {
        printf("DATA %s\n", line);
        snprintf(line, sizeof line, "hello from %s (TLS client)\n", NT_PLATFORM);
        rc = nt_tls_sendall(t, line, strlen(line), NULL);
    }
    if (rc >= 0) {
        rc = tls_read_line(t, line, sizeof line);
        if (rc >= 0)
            printf("ECHO %s\n", line);
    }
    if (rc < 0) {
        printf("END %s\n", nt_err_name(rc));
        nt_tls_close(t);
        return 1;
    }
    char rest[64];
    ptrdiff_t n;
    size_t extra = 0;
    while ((n = nt_tls_recv(t, rest, sizeof rest)) > 0)
        extra += (size_t)n;
    if (extra)
        printf("EXTRA %zu bytes\n", extra);
    if (n == NT_EOF) {
        printf("END EOF\n");
        nt_tls_shutdown(t); /* the server waits for it */
    } else if (n == NT_ECONNRESET) {
        printf("END RESET\n");
    } else {
        printf("END %s\n", nt_err_name((int)n));
    }
    nt_tls_close(t);
    return nt_err_is_disconnect((int)n) ? 0 : 1;
}

static int fingerprint(const char *cert)
{
    char fp[NT_TLS_FINGERPRINT_LEN];
    int rc = nt_tls_fingerprint_file(cert, fp);
    if (rc != NT_OK)
        return fail(cert, rc);
    printf("%s\n", fp);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "serve") == 0)
        return serve(argv[2]);
    if (argc == 3 && strcmp(argv[1], "connect") == 0)
        return connect_to(argv[2]);
    if (argc == 6 && strcmp(argv[1], "tls-serve") == 0)
        return tls_serve(argv[2], argv[3], argv[4], argv[5]);
    if (argc == 6 && strcmp(argv[1], "tls-connect") == 0)
        return tls_connect(argv[2], argv[3], argv[4], argv[5]);
    if (argc == 3 && strcmp(argv[1], "fingerprint") == 0)
        return fingerprint(argv[2]);
    fprintf(stderr, "usage: peer serve echo|close|reset\n"
                    "       peer connect PORT\n"
                    "       peer tls-serve echo|cut CERT KEY CA\n"
                    "       peer tls-connect PORT CA CERT KEY\n"
                    "       peer fingerprint CERT\n");
    return 2;
}
