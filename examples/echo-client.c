/* SPDX-License-Identifier: MIT */
/*
 * echo-client: type lines, see them come back from echo-server in upper
 * case.  End with an empty input (Ctrl-D; Ctrl-Z Enter on Windows).
 *
 *   echo-client [--abort] [HOST:PORT]         (default 127.0.0.1:8081)
 *
 * --abort ends the connection with a reset (RST) instead of an orderly
 * close (FIN), as a program killed on Windows does: the server must
 * survive both.
 */
#include <string.h>

#include "common.h"

#define DEFAULT_ADDRESS "127.0.0.1:8081"
#define BUFSIZE 1024

int main(int argc, char **argv)
{
    const char *address = NULL;
    int abort_at_end = 0;

    ex_init(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--abort") == 0)
            abort_at_end = 1;
        else if (argv[i][0] != '-' && !address)
            address = argv[i];
        else
            ex_usage("[--abort] [HOST:PORT]");
    }

    nt_addr addr;
    char where[NT_ADDRSTRLEN];
    ex_address(address, DEFAULT_ADDRESS, NT_SOCK_STREAM, &addr);
    nt_addr_format(&addr, where, sizeof where);

    nt_socket *s;
    int rc = nt_socket_new(addr.family, NT_SOCK_STREAM, 0, &s);
    if (rc != NT_OK)
        ex_fail("socket", rc);
    /* Python's connect_ex() returns an error number instead of raising;
     * in C every call does that, so connect() and connect_ex() are one. */
    rc = nt_socket_connect(s, &addr);
    if (rc == NT_ECONNREFUSED) {
        fprintf(stderr, "%s: nothing listens on %s: start echo-server first\n", ex_name(), where);
        return EX_FAILED;
    }
    if (rc != NT_OK)
        ex_fail(where, rc);

    char line[BUFSIZE];
    char reply[BUFSIZE];
    for (;;) {
        printf(">> ");
        if (!ex_read_line(line, sizeof line))
            break;
        size_t len = strlen(line);
        if (len == 0)
            continue; /* sending 0 bytes sends nothing: nothing would come back */
        rc = nt_socket_sendall(s, line, len, NULL);
        if (rc != NT_OK)
            ex_fail("send", rc);
        /* The answer is exactly as long as what we sent, but one recv()
         * may return only part of it: TCP is a stream of bytes, not of
         * messages.  So read until all of it is here. */
        size_t got = 0;
        while (got < len) {
            ptrdiff_t n = nt_socket_recv(s, reply + got, len - got, 0);
            if (nt_err_is_disconnect((int)n)) {
                fprintf(stderr, "%s: the server went away (%s)\n", ex_name(), nt_strerror((int)n));
                return EX_FAILED;
            }
            if (n < 0)
                ex_fail("recv", (int)n);
            got += (size_t)n;
        }
        printf("%.*s\n", (int)got, reply);
    }
    printf("\n");

    if (abort_at_end) {
        /* SO_LINGER with a zero timeout: close() discards anything unsent
         * and sends RST instead of FIN. */
        rc = nt_socket_set_option(s, NT_OPT_LINGER, 0);
        if (rc != NT_OK)
            ex_fail("setsockopt(LINGER)", rc);
    }
    nt_socket_close(s);
    return 0;
}
