/* SPDX-License-Identifier: MIT */
/*
 * sticky-client: the sending half of the "sticky packets" demonstration
 * (see sticky-server.c, which prints what arrives).
 *
 *   sticky-client [HOST:PORT]                 (default 127.0.0.1:8001)
 */
#include <string.h>

#include <natter/frame.h>

#include "common.h"

#define DEFAULT_ADDRESS "127.0.0.1:8001"

static const char *const messages[] = {"hello", "i am 1"};

static nt_socket *connect_to(const nt_addr *addr)
{
    nt_socket *s;
    int rc = nt_socket_new(addr->family, NT_SOCK_STREAM, 0, &s);
    if (rc != NT_OK)
        ex_fail("socket", rc);
    nt_socket_settimeout(s, 5.0);
    if ((rc = nt_socket_connect(s, addr)) != NT_OK)
        ex_fail("connect", rc);
    return s;
}

/* Say we are done (FIN), then wait until the server has read everything
 * and closed, so that the rounds do not overlap. */
static void finish(nt_socket *s)
{
    char buf[64];
    nt_socket_shutdown(s, NT_SHUT_WR);
    while (nt_socket_recv(s, buf, sizeof buf, 0) > 0)
        ;
    nt_socket_close(s);
}

int main(int argc, char **argv)
{
    ex_init(argv[0]);
    if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
        ex_usage("[HOST:PORT]");
    nt_addr addr;
    ex_address(argc == 2 ? argv[1] : NULL, DEFAULT_ADDRESS, NT_SOCK_STREAM, &addr);

    /* Round 1: the bare bytes, as two sends. */
    nt_socket *s = connect_to(&addr);
    for (size_t i = 0; i < 2; i++) {
        int rc = nt_socket_sendall(s, messages[i], strlen(messages[i]), NULL);
        if (rc != NT_OK)
            ex_fail("send", rc);
        printf("round 1: sent \"%s\"\n", messages[i]);
    }
    finish(s);

    /* Round 2: each message behind its length, so the receiver can find
     * where it ends.  (Line framing, "hello\n", works as well for text
     * that holds no newline; nt_conn does either for you.) */
    s = connect_to(&addr);
    for (size_t i = 0; i < 2; i++) {
        unsigned char header[4];
        size_t len = strlen(messages[i]);
        int rc = nt_frame_u32_header(len, header);
        if (rc == NT_OK)
            rc = nt_socket_sendall(s, header, sizeof header, NULL);
        if (rc == NT_OK)
            rc = nt_socket_sendall(s, messages[i], len, NULL);
        if (rc != NT_OK)
            ex_fail("send", rc);
        printf("round 2: sent a 4-byte length and \"%s\"\n", messages[i]);
    }
    finish(s);
    return 0;
}
