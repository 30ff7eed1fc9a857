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
 * Every wait has a deadline, so a peer whose partner died exits on its
 * own.  Exit status 0 when the exchange ran, 1 on an error, 2 on usage. */
#include <natter/net.h>

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

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "serve") == 0)
        return serve(argv[2]);
    if (argc == 3 && strcmp(argv[1], "connect") == 0)
        return connect_to(argv[2]);
    fprintf(stderr, "usage: peer serve echo|close|reset\n"
                    "       peer connect PORT\n");
    return 2;
}
