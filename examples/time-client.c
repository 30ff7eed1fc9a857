/* SPDX-License-Identifier: MIT */
/*
 * time-client: send each line typed to time-server and print the
 * time-stamped answer.  End the input (Ctrl-D; Ctrl-Z Enter on Windows)
 * to stop.
 *
 *   time-client [HOST:PORT]                   (default 127.0.0.1:21566)
 *
 * Requests and answers are lines.  The answer is read with a line framer:
 * recv() returns bytes in whatever pieces TCP delivers them, and the
 * framer says when a whole line is there.
 */
#include <stdlib.h>
#include <string.h>

#include <natter/frame.h>

#include "common.h"

#define DEFAULT_ADDRESS "127.0.0.1:21566"
#define MAX_LINE 1024

/* Read until the framer has a whole line; print it. */
static void print_answer(nt_socket *s, nt_framer *framer)
{
    const char *line;
    size_t len;
    int rc;
    while ((rc = nt_framer_next(framer, &line, &len)) == 0) {
        char buf[MAX_LINE];
        ptrdiff_t n = nt_socket_recv(s, buf, sizeof buf, 0);
        if (nt_err_is_disconnect((int)n)) {
            fprintf(stderr, "%s: the server went away (%s)\n", ex_name(), nt_strerror((int)n));
            exit(EX_FAILED);
        }
        if (n < 0)
            ex_fail("recv", (int)n);
        nt_framer_feed(framer, buf, (size_t)n);
    }
    if (rc < 0)
        ex_fail("answer", rc);
    printf("%.*s\n", (int)len, line);
}

int main(int argc, char **argv)
{
    ex_init(argv[0]);
    if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
        ex_usage("[HOST:PORT]");
    nt_addr addr;
    char where[NT_ADDRSTRLEN];
    ex_address(argc == 2 ? argv[1] : NULL, DEFAULT_ADDRESS, NT_SOCK_STREAM, &addr);
    nt_addr_format(&addr, where, sizeof where);

    nt_socket *s;
    int rc = nt_socket_new(addr.family, NT_SOCK_STREAM, 0, &s);
    if (rc != NT_OK)
        ex_fail("socket", rc);
    nt_socket_settimeout(s, 10.0);
    rc = nt_socket_connect(s, &addr);
    if (rc == NT_ECONNREFUSED) {
        fprintf(stderr, "%s: nothing listens on %s: start time-server first\n", ex_name(), where);
        return EX_FAILED;
    }
    if (rc != NT_OK)
        ex_fail(where, rc);

    nt_framer *framer;
    if ((rc = nt_framer_new(NT_FRAME_LINE, MAX_LINE + 100, &framer)) != NT_OK)
        ex_fail("framer", rc);
    char line[MAX_LINE];
    for (;;) {
        printf("> ");
        if (!ex_read_line(line, sizeof line))
            break;
        if (line[0] == '\0')
            continue;
        size_t len = strlen(line);
        line[len] = '\n'; /* the line's end is the message's end */
        if ((rc = nt_socket_sendall(s, line, len + 1, NULL)) != NT_OK)
            ex_fail("send", rc);
        print_answer(s, framer);
    }
    printf("\n");
    nt_framer_free(framer);
    nt_socket_close(s);
    return 0;
}
