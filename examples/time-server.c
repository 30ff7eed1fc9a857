/* SPDX-License-Identifier: MIT */
/*
 * time-server: answer each line a client sends with "[time] line", for
 * any number of clients at once.
 *
 *   time-server [-n CLIENTS] [HOST:PORT]      (default 127.0.0.1:21566)
 *
 * The server loop of echo-server.c serves one client at a time: while it
 * sits in recv() for one client, the next waits in the listen queue.  This
 * one never sits in a call.  An event loop asks the system which sockets
 * are ready (epoll, poll or WSAPoll) and calls back: nt_listener when a
 * client is waiting to be accepted, nt_conn when a whole line has arrived
 * on a connection.  One thread serves every client.
 *
 * With -n the server stops accepting after that many clients and exits
 * when the last of them has left.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <natter/conn.h>

#include "common.h"

#define DEFAULT_ADDRESS "127.0.0.1:21566"

struct server {
    nt_loop *loop;
    nt_listener *listener; /* NULL once no more clients are taken */
    long accept_left;      /* clients still to accept; -1: no limit */
    long connected;        /* clients now connected */
};

/* Each connection's data: who it is, for messages. */
struct client {
    struct server *server;
    char name[NT_ADDRSTRLEN];
};

static void on_message(nt_conn *c, const char *msg, size_t len, void *data)
{
    struct client *client = data;
    char stamp[64];
    time_t now = time(NULL);
    struct tm *local = localtime(&now);
    /* The format of Python's time.ctime(). */
    if (!local || !strftime(stamp, sizeof stamp, "%a %b %d %H:%M:%S %Y", local))
        strcpy(stamp, "?");

    printf("%s: %.*s\n", client->name, (int)len, msg);
    /* nt_conn_send() only queues: the loop writes when the socket can take
     * it, so a slow client never blocks the others. */
    char reply[1200];
    int n = snprintf(reply, sizeof reply, "[%s] %.*s\n", stamp, (int)len, msg);
    nt_conn_send(c, reply, (size_t)n);
}

static void on_closed(nt_conn *c, int reason, void *data)
{
    struct client *client = data;
    struct server *server = client->server;
    (void)c;
    /* NT_EOF or NT_ECONNRESET: the client left, either way. */
    printf("%s left (%s)\n", client->name, nt_strerror(reason));
    free(client);
    server->connected--;
    if (!server->listener && server->connected == 0)
        nt_loop_stop(server->loop);
}

static void on_accept(nt_listener *l, nt_socket *s, const nt_addr *peer, void *data)
{
    struct server *server = data;
    static const nt_conn_callbacks callbacks = {
        .on_message = on_message,
        .on_closed = on_closed,
    };
    (void)l;
    struct client *client = calloc(1, sizeof *client);
    if (!client) {
        nt_socket_close(s);
        return;
    }
    client->server = server;
    if (nt_addr_format(peer, client->name, sizeof client->name) < 0)
        strcpy(client->name, "client");

    /* Lines of at most 1024 bytes; a longer one is dropped (the default
     * on_frame_error) and the connection goes on. */
    nt_conn_options opts;
    nt_conn_options_init(&opts);
    opts.framing = NT_FRAME_LINE;
    opts.max_message = 1024;
    nt_conn *conn;
    int rc = nt_conn_new(server->loop, s, &opts, &callbacks, client, &conn);
    if (rc != NT_OK) {
        printf("cannot serve %s: %s\n", client->name, nt_strerror(rc));
        free(client);
        return;
    }
    server->connected++;
    printf("%s connected (%ld connected)\n", client->name, server->connected);

    if (server->accept_left > 0 && --server->accept_left == 0) {
        /* Enough clients: stop listening (new callers are refused).  Any
         * handle may be closed inside its own callback: the port is free
         * at once, and the memory goes once this callback has returned. */
        nt_listener_close(server->listener, NULL);
        server->listener = NULL;
    }
}

int main(int argc, char **argv)
{
    const char *address = NULL;
    struct server server = {0};

    server.accept_left = -1;
    ex_init(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            server.accept_left = ex_count("-n", argv[++i]);
        else if (argv[i][0] != '-' && !address)
            address = argv[i];
        else
            ex_usage("[-n CLIENTS] [HOST:PORT]");
    }
    nt_addr addr;
    ex_address(address, DEFAULT_ADDRESS, NT_SOCK_STREAM, &addr);

    int rc = nt_loop_new(&server.loop);
    if (rc != NT_OK)
        ex_fail("event loop", rc);
    /* socket(), SO_REUSEADDR, bind(), listen(), and accept() on the loop. */
    rc = nt_listener_new(server.loop, &addr, NT_BACKLOG_DEFAULT, on_accept, &server,
                         &server.listener);
    if (rc != NT_OK)
        ex_fail("cannot listen", rc);
    nt_addr bound;
    char text[NT_ADDRSTRLEN];
    nt_listener_addr(server.listener, &bound);
    nt_addr_format(&bound, text, sizeof text);
    printf("listening on %s\n", text);

    rc = nt_loop_run(server.loop);
    if (rc != NT_OK)
        ex_fail("event loop", rc);
    /* Every client has left and the listener is closed: the loop owns
     * nothing, so it closes (NT_EBUSY would mean a handle was left open). */
    if ((rc = nt_loop_close(server.loop)) != NT_OK)
        ex_fail("closing the event loop", rc);
    return 0;
}
