/* SPDX-License-Identifier: MIT */
/*
 * hello-client: send one message to hello-server and print its answer.
 *
 *   hello-client [HOST:PORT] [MESSAGE]        (default 127.0.0.1:8888)
 *
 * The server must be listening before the client connects: TCP has no
 * queue for a server that does not exist yet, so the connection is
 * refused at once.  Python's connect() raises ConnectionRefusedError and
 * connect_ex() returns its number (111 on Linux, 10061 on Windows);
 * libnatter returns NT_ECONNREFUSED on both.
 */
#include <string.h>

#include "common.h"

#define DEFAULT_ADDRESS "127.0.0.1:8888"

int main(int argc, char **argv)
{
    const char *address = argc > 1 ? argv[1] : NULL;
    const char *message = argc > 2 ? argv[2] : "hello, I am the client";

    ex_init(argv[0]);
    if (argc > 3 || (address && address[0] == '-'))
        ex_usage("[HOST:PORT] [MESSAGE]");

    nt_addr addr;
    char where[NT_ADDRSTRLEN];
    ex_address(address, DEFAULT_ADDRESS, NT_SOCK_STREAM, &addr);
    nt_addr_format(&addr, where, sizeof where);

    nt_socket *s;
    int rc = nt_socket_new(addr.family, NT_SOCK_STREAM, 0, &s);
    if (rc != NT_OK)
        ex_fail("socket", rc);
    /* Wait at most 5 s for the connection (and for each recv below). */
    nt_socket_settimeout(s, 5.0);
    rc = nt_socket_connect_ex(s, &addr);
    if (rc == NT_ECONNREFUSED) {
        fprintf(stderr,
                "%s: connection to %s refused: nothing listens there; "
                "start hello-server first\n",
                ex_name(), where);
        return EX_FAILED;
    }
    if (rc != NT_OK)
        ex_fail(where, rc);

    rc = nt_socket_sendall(s, message, strlen(message), NULL);
    if (rc != NT_OK)
        ex_fail("send", rc);
    /* shutdown(SHUT_WR): "I have said everything".  The server's recv()
     * sees the end of the stream, so it knows the message is complete;
     * we can still read its answer. */
    rc = nt_socket_shutdown(s, NT_SHUT_WR);
    if (rc != NT_OK)
        ex_fail("shutdown", rc);

    char answer[1024];
    size_t got = 0;
    while (got < sizeof answer) {
        ptrdiff_t n = nt_socket_recv(s, answer + got, sizeof answer - got, 0);
        if (n == NT_EOF)
            break; /* the server closed: its answer is complete */
        if (n < 0)
            ex_fail("recv", (int)n);
        got += (size_t)n;
    }
    printf("server answered: %.*s\n", (int)got, answer);
    nt_socket_close(s);
    return 0;
}
