/* SPDX-License-Identifier: MIT */
/*
 * echo-server: the classic TCP server loop.  Accept a client, echo what it
 * sends back in upper case until it goes away, then take the next one.
 *
 *   echo-server [-n CLIENTS] [HOST:PORT]      (default 127.0.0.1:8081)
 *
 * Try it with echo-client, or with `nc 127.0.0.1 8081`.  With -n the
 * server exits after serving that many clients.
 *
 * The lesson is what happens when a client goes away.  A client that
 * closes normally (and, on Linux, one that is killed) sends FIN, and
 * recv() returns 0 bytes, Python's b'': a loop that does not check for it
 * spins forever on "empty messages".  A connection closed abortively (a
 * program killed on Windows, a close with unread data, SO_LINGER 0) sends
 * RST instead, and recv() fails: Python raises ConnectionResetError.
 * Python code needs two branches for this; libnatter reports the first as
 * NT_EOF and the second as NT_ECONNRESET on every platform, and
 * nt_err_is_disconnect() is true for both, so one branch handles a client
 * leaving in any way.
 */
#include <ctype.h>
#include <string.h>

#include "common.h"

#define DEFAULT_ADDRESS "127.0.0.1:8081"
#define BUFSIZE 1024

static void serve_client(nt_socket *conn, const char *who)
{
    char buf[BUFSIZE];
    for (;;) {
        /* recv() returns as soon as some bytes are there: perhaps part of
         * what the client sent, perhaps two messages at once.  Upper-casing
         * works on any piece, so this server needs no framing. */
        ptrdiff_t n = nt_socket_recv(conn, buf, sizeof buf, 0);
        if (nt_err_is_disconnect((int)n)) {
            /* The one branch for Linux's empty recv and Windows's
             * ConnectionResetError. */
            printf("%s left (%s)\n", who, nt_strerror((int)n));
            return;
        }
        if (n < 0) {
            /* Anything else (out of memory, a timeout if one were set):
             * this client is done for, the server is not. */
            printf("%s: recv failed: %s\n", who, nt_strerror((int)n));
            return;
        }
        printf("%s sent %d bytes: %.*s\n", who, (int)n, (int)n, buf);
        for (ptrdiff_t i = 0; i < n; i++)
            buf[i] = (char)toupper((unsigned char)buf[i]);
        /* send() may send only part of the buffer; sendall() loops until
         * everything is out (Python's sendall does the same). */
        int rc = nt_socket_sendall(conn, buf, (size_t)n, NULL);
        if (rc != NT_OK) {
            printf("%s left while we answered (%s)\n", who, nt_strerror(rc));
            return;
        }
    }
}

int main(int argc, char **argv)
{
    const char *address = NULL;
    long clients = -1; /* forever */

    ex_init(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            clients = ex_count("-n", argv[++i]);
        else if (argv[i][0] != '-' && !address)
            address = argv[i];
        else
            ex_usage("[-n CLIENTS] [HOST:PORT]");
    }

    nt_addr addr;
    ex_address(address, DEFAULT_ADDRESS, NT_SOCK_STREAM, &addr);

    /* s = socket.socket(AF_INET, SOCK_STREAM): the family comes from the
     * address, so "[::1]:8081" gives an IPv6 server. */
    nt_socket *server;
    int rc = nt_socket_new(addr.family, NT_SOCK_STREAM, 0, &server);
    if (rc != NT_OK)
        ex_fail("socket", rc);
    /* setsockopt(SOL_SOCKET, SO_REUSEADDR, 1): restart at once on a port
     * whose old connections are still in TIME_WAIT. */
    rc = nt_socket_set_option(server, NT_OPT_REUSEADDR, 1);
    if (rc != NT_OK)
        ex_fail("setsockopt(REUSEADDR)", rc);
    if ((rc = nt_socket_bind(server, &addr)) != NT_OK)
        ex_fail("bind", rc);
    if ((rc = nt_socket_listen(server, 5)) != NT_OK)
        ex_fail("listen", rc);
    ex_print_listening(server);

    for (long served = 0; clients < 0 || served < clients; served++) {
        nt_socket *conn;
        nt_addr peer;
        char who[NT_ADDRSTRLEN];
        /* conn, addr = s.accept(): waits for the next client. */
        rc = nt_socket_accept(server, &conn, &peer);
        if (rc != NT_OK)
            ex_fail("accept", rc);
        if (nt_addr_format(&peer, who, sizeof who) < 0)
            strcpy(who, "client");
        printf("%s connected\n", who);
        serve_client(conn, who);
        nt_socket_close(conn);
    }
    nt_socket_close(server);
    return 0;
}
