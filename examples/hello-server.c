/* SPDX-License-Identifier: MIT */
/*
 * hello-server: the smallest useful server.  For each client: read its one
 * message, answer "connected", close.
 *
 *   hello-server [-n CLIENTS] [HOST:PORT]     (default 127.0.0.1:8888)
 *
 * The Python original read with a single conn.recv(1024) and hoped the
 * whole message was in it.  On a stream that is luck, not a guarantee: a
 * message can arrive in pieces.  Here the client says where its message
 * ends by shutting down its sending side after it (the server then reads
 * "end of stream"), and the server reads until that point.  A timeout
 * keeps one silent client from holding the server forever.
 */
#include <string.h>

#include "common.h"

#define DEFAULT_ADDRESS "127.0.0.1:8888"
#define MAX_MESSAGE 1024
#define CLIENT_TIMEOUT 5.0 /* seconds */

static void serve_client(nt_socket *conn, const char *who)
{
    char msg[MAX_MESSAGE];
    size_t got = 0;
    /* settimeout() as in Python: each recv() below now fails with
     * NT_ETIMEDOUT instead of waiting forever. */
    nt_socket_settimeout(conn, CLIENT_TIMEOUT);
    while (got < sizeof msg) {
        ptrdiff_t n = nt_socket_recv(conn, msg + got, sizeof msg - got, 0);
        if (n == NT_EOF)
            break; /* the client shut down its side: the message is whole */
        if (n < 0) {
            printf("%s: %s\n", who, nt_strerror((int)n));
            return;
        }
        got += (size_t)n;
    }
    printf("%s says: %.*s\n", who, (int)got, msg);

    static const char answer[] = "connected";
    int rc = nt_socket_sendall(conn, answer, strlen(answer), NULL);
    if (rc != NT_OK)
        printf("%s: cannot answer: %s\n", who, nt_strerror(rc));
}

int main(int argc, char **argv)
{
    const char *address = NULL;
    long clients = -1;

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

    /* Python's socket.create_server(): socket(), SO_REUSEADDR, bind() and
     * listen() in one call (echo-server.c shows them one by one). */
    nt_socket *server;
    int rc = nt_socket_create_server(&addr, 5, &server);
    if (rc != NT_OK)
        ex_fail("cannot listen", rc);
    ex_print_listening(server);

    for (long served = 0; clients < 0 || served < clients; served++) {
        nt_socket *conn;
        nt_addr peer;
        char who[NT_ADDRSTRLEN];
        if ((rc = nt_socket_accept(server, &conn, &peer)) != NT_OK)
            ex_fail("accept", rc);
        if (nt_addr_format(&peer, who, sizeof who) < 0)
            strcpy(who, "client");
        serve_client(conn, who);
        /* close() sends FIN: the client's read of our answer ends there. */
        nt_socket_close(conn);
    }
    nt_socket_close(server);
    return 0;
}
