/* SPDX-License-Identifier: MIT */
/*
 * http-server: answer every HTTP request with "Hello, World".
 *
 *   http-server [-n REQUESTS] [HOST:PORT]     (default 127.0.0.1:8080)
 *
 * Open http://127.0.0.1:8080/ in a browser, or `curl -i
 * http://127.0.0.1:8080/`.  HTTP is text over TCP: the request is a line
 * ("GET / HTTP/1.1"), header lines, and an empty line; the answer is a
 * status line, header lines, an empty line, then the body.
 *
 * The Python prototype this comes from did one recv(1024), sent
 * "HTTP/1.1 200 OK\r\n\r\n" and the body, and closed.  Three things make
 * that fragile, and this version fixes them:
 *   - the request may need more than one recv(): read lines (with
 *     libnatter's line framer) up to the empty line that ends the headers;
 *   - without Content-Length (or Connection: close) the client cannot tell
 *     where the body ends;
 *   - closing a socket that still has unread input makes TCP send a reset,
 *     which can destroy the answer before the client has read it.  So shut
 *     down our side first and read until the client closes.
 */
#include <string.h>

#include <natter/frame.h>

#include "common.h"

#define DEFAULT_ADDRESS "127.0.0.1:8080"
#define MAX_LINE 8192 /* longest request or header line we accept */
#define MAX_HEADERS 100
#define CLIENT_TIMEOUT 5.0 /* seconds for the whole exchange, per call */

/*
 * Read the request head: lines up to the empty line.  The request line is
 * copied to first_line.  Returns NT_OK, NT_EFRAME for a line or head too
 * long, or the socket's error.
 */
static int read_request(nt_socket *conn, char *first_line, size_t size)
{
    nt_framer *framer;
    int rc = nt_framer_new(NT_FRAME_LINE, MAX_LINE, &framer);
    if (rc != NT_OK)
        return rc;
    int lines = 0;
    first_line[0] = '\0';
    for (;;) {
        const char *line;
        size_t len;
        /* Take every whole line the framer has; it strips "\r\n" or "\n". */
        while ((rc = nt_framer_next(framer, &line, &len)) == 1) {
            if (len == 0 && lines == 0)
                continue; /* RFC 9112: ignore empty lines before a request */
            if (len == 0) {
                nt_framer_free(framer); /* the empty line: head complete */
                return NT_OK;
            }
            if (lines++ == 0)
                snprintf(first_line, size, "%.*s", (int)len, line);
            if (lines > MAX_HEADERS)
                rc = NT_EFRAME;
            if (rc != 1)
                break;
        }
        if (rc < 0)
            break;
        /* Need more bytes.  Whatever recv() returns (half a line, three
         * lines) goes into the framer. */
        char buf[2048];
        ptrdiff_t n = nt_socket_recv(conn, buf, sizeof buf, 0);
        if (n < 0) {
            rc = (int)n;
            break;
        }
        if ((rc = nt_framer_feed(framer, buf, (size_t)n)) != NT_OK)
            break;
    }
    nt_framer_free(framer);
    return rc;
}

static int send_response(nt_socket *conn, const char *status, const char *body)
{
    char head[256];
    /* Content-Length tells the client where the body ends; Connection:
     * close that we hang up after one answer. */
    int len = snprintf(head, sizeof head,
                       "HTTP/1.1 %s\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n"
                       "Content-Length: %zu\r\n"
                       "Connection: close\r\n"
                       "\r\n",
                       status, strlen(body));
    int rc = nt_socket_sendall(conn, head, (size_t)len, NULL);
    if (rc == NT_OK)
        rc = nt_socket_sendall(conn, body, strlen(body), NULL);
    return rc;
}

/* A close that lets the client read all of our answer. */
static void close_gracefully(nt_socket *conn)
{
    char scratch[1024];
    /* FIN after our last byte: the client's read ends cleanly there. */
    nt_socket_shutdown(conn, NT_SHUT_WR);
    /* Read (and drop) until the client closes too, for at most a second,
     * so that close() finds no unread input and sends no reset. */
    nt_socket_settimeout(conn, 1.0);
    while (nt_socket_recv(conn, scratch, sizeof scratch, 0) > 0)
        ;
    nt_socket_close(conn);
}

static void serve_client(nt_socket *conn, const char *who)
{
    char request[200];
    nt_socket_settimeout(conn, CLIENT_TIMEOUT);
    int rc = read_request(conn, request, sizeof request);
    if (rc == NT_OK) {
        printf("%s: %s\n", who, request);
        rc = send_response(conn, "200 OK", "Hello, World");
    } else if (rc == NT_EFRAME) {
        printf("%s: request head too long\n", who);
        rc =
            send_response(conn, "431 Request Header Fields Too Large", "Request header too long\n");
    } else {
        /* Timed out, or the client left before finishing its request. */
        printf("%s: no request (%s)\n", who, nt_strerror(rc));
        rc = NT_OK;
    }
    if (rc != NT_OK)
        printf("%s: cannot answer (%s)\n", who, nt_strerror(rc));
    close_gracefully(conn);
}

int main(int argc, char **argv)
{
    const char *address = NULL;
    long requests = -1;

    ex_init(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            requests = ex_count("-n", argv[++i]);
        else if (argv[i][0] != '-' && !address)
            address = argv[i];
        else
            ex_usage("[-n REQUESTS] [HOST:PORT]");
    }
    nt_addr addr;
    ex_address(address, DEFAULT_ADDRESS, NT_SOCK_STREAM, &addr);

    nt_socket *server;
    int rc = nt_socket_create_server(&addr, NT_BACKLOG_DEFAULT, &server);
    if (rc != NT_OK)
        ex_fail("cannot listen", rc);
    ex_print_listening(server);

    for (long served = 0; requests < 0 || served < requests; served++) {
        nt_socket *conn;
        nt_addr peer;
        char who[NT_ADDRSTRLEN];
        if ((rc = nt_socket_accept(server, &conn, &peer)) != NT_OK)
            ex_fail("accept", rc);
        if (nt_addr_format(&peer, who, sizeof who) < 0)
            strcpy(who, "client");
        serve_client(conn, who);
    }
    nt_socket_close(server);
    return 0;
}
