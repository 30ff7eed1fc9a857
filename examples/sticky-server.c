/* SPDX-License-Identifier: MIT */
/*
 * sticky-server: watch TCP glue two messages together, then watch framing
 * take them apart again.  Run it, then sticky-client.
 *
 *   sticky-server [HOST:PORT]                 (default 127.0.0.1:8001)
 *
 * The client connects twice.  Both times it sends "hello" and then
 * "i am 1", quickly, as two separate sends.
 *
 * Round 1, plain stream: the server reads with recv() as the Python
 * tutorials do and gets "helloi am 1" in one piece.  TCP carries a stream
 * of bytes; the boundaries between send() calls are not kept, so the
 * receiver cannot tell where one message ended ("sticky packets").  It can
 * just as well go the other way: one send() read in several pieces.
 *
 * Round 2, framed: each message is sent with a 4-byte length in front of
 * it (Python's struct.pack(">I", len(data))).  The server still reads
 * with recv() in whatever pieces come, feeds them to an nt_framer, and the
 * framer hands back whole messages, one by one.
 */
#include <string.h>

#include <natter/clock.h>
#include <natter/frame.h>

#include "common.h"

#define DEFAULT_ADDRESS "127.0.0.1:8001"

/* Wait until the first bytes arrive, then a little longer, as a busy
 * server would: by then both messages are in the socket's buffer. */
static void wait_for_data(nt_socket *conn)
{
    nt_socket_wait(conn, NT_EV_READ, 5.0);
    nt_sleep_ms(500);
}

static void round_plain(nt_socket *conn)
{
    char buf[1024];
    printf("round 1: plain recv()\n");
    wait_for_data(conn);
    for (int i = 1;; i++) {
        ptrdiff_t n = nt_socket_recv(conn, buf, sizeof buf, 0);
        if (n < 0) {
            printf("  recv() #%d: %s\n", i, nt_strerror((int)n));
            break;
        }
        printf("  recv() #%d returned %d bytes: \"%.*s\"\n", i, (int)n, (int)n, buf);
    }
}

static void round_framed(nt_socket *conn)
{
    nt_framer *framer;
    int rc = nt_framer_new(NT_FRAME_U32, 1024, &framer);
    if (rc != NT_OK)
        ex_fail("framer", rc);
    printf("round 2: recv() into a length-prefix framer\n");
    wait_for_data(conn);
    int count = 0;
    for (;;) {
        char buf[1024];
        ptrdiff_t n = nt_socket_recv(conn, buf, sizeof buf, 0);
        if (n < 0) {
            printf("  recv(): %s\n", nt_strerror((int)n));
            break;
        }
        printf("  recv() returned %d bytes\n", (int)n);
        nt_framer_feed(framer, buf, (size_t)n);
        const char *msg;
        size_t len;
        while ((rc = nt_framer_next(framer, &msg, &len)) == 1)
            printf("  message %d: \"%.*s\"\n", ++count, (int)len, msg);
        if (rc == NT_EFRAME)
            printf("  a message over 1024 bytes was dropped\n");
    }
    if (nt_framer_pending(framer) > 0)
        printf("  %d bytes of an unfinished message were left over\n",
               (int)nt_framer_pending(framer));
    nt_framer_free(framer);
}

int main(int argc, char **argv)
{
    ex_init(argv[0]);
    if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
        ex_usage("[HOST:PORT]");
    nt_addr addr;
    ex_address(argc == 2 ? argv[1] : NULL, DEFAULT_ADDRESS, NT_SOCK_STREAM, &addr);

    nt_socket *server;
    int rc = nt_socket_create_server(&addr, 5, &server);
    if (rc != NT_OK)
        ex_fail("cannot listen", rc);
    ex_print_listening(server);

    for (int round = 1; round <= 2; round++) {
        nt_socket *conn;
        if ((rc = nt_socket_accept(server, &conn, NULL)) != NT_OK)
            ex_fail("accept", rc);
        /* A client that never sends must not hang the demonstration. */
        nt_socket_settimeout(conn, 5.0);
        if (round == 1)
            round_plain(conn);
        else
            round_framed(conn);
        nt_socket_close(conn);
    }
    nt_socket_close(server);
    return 0;
}
