/* SPDX-License-Identifier: MIT */
/*
 * udp-echo-server: send every datagram back to whoever sent it.
 *
 *   udp-echo-server [-n DATAGRAMS] [HOST:PORT]   (default 127.0.0.1:8888)
 *
 * UDP has no connections: no listen(), no accept().  One socket receives
 * datagrams from anyone, and recvfrom() says who sent each one, which is
 * where sendto() sends the answer.  Each recvfrom() returns exactly one
 * datagram, never half of one nor two glued together (compare TCP in
 * sticky-server.c), but a datagram may be lost and nobody is told.
 */
#include <string.h>

#include "common.h"

#define DEFAULT_ADDRESS "127.0.0.1:8888"
/* Larger than any datagram we expect: a longer one would be cut short. */
#define BUFSIZE 2048

int main(int argc, char **argv)
{
    const char *address = NULL;
    long datagrams = -1;

    ex_init(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            datagrams = ex_count("-n", argv[++i]);
        else if (argv[i][0] != '-' && !address)
            address = argv[i];
        else
            ex_usage("[-n DATAGRAMS] [HOST:PORT]");
    }
    nt_addr addr;
    ex_address(address, DEFAULT_ADDRESS, NT_SOCK_DGRAM, &addr);

    /* socket.socket(AF_INET, SOCK_DGRAM, 0) */
    nt_socket *s;
    int rc = nt_socket_new(addr.family, NT_SOCK_DGRAM, 0, &s);
    if (rc != NT_OK)
        ex_fail("socket", rc);
    if ((rc = nt_socket_bind(s, &addr)) != NT_OK)
        ex_fail("bind", rc);
    ex_print_listening(s);

    for (long n = 0; datagrams < 0 || n < datagrams; n++) {
        char buf[BUFSIZE];
        nt_addr from;
        char who[NT_ADDRSTRLEN];
        /* data, addr = s.recvfrom(2048) */
        ptrdiff_t len = nt_socket_recvfrom(s, buf, sizeof buf, 0, &from);
        if (len < 0)
            ex_fail("recvfrom", (int)len);
        if (nt_addr_format(&from, who, sizeof who) < 0)
            strcpy(who, "?");
        printf("%s sent %d bytes: %.*s\n", who, (int)len, (int)len, buf);
        /* s.sendto(data, addr).  A failure here concerns that one sender
         * (its datagram is lost, as UDP allows); keep serving the rest. */
        ptrdiff_t sent = nt_socket_sendto(s, buf, (size_t)len, 0, &from);
        if (sent < 0)
            printf("cannot answer %s: %s\n", who, nt_strerror((int)sent));
    }
    nt_socket_close(s);
    return 0;
}
