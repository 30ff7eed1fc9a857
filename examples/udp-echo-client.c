/* SPDX-License-Identifier: MIT */
/*
 * udp-echo-client: send each line typed as a datagram to udp-echo-server
 * and print the answer.  Type "exit" or end the input to stop.
 *
 *   udp-echo-client [-t SECONDS] [HOST:PORT]     (default 127.0.0.1:8888)
 *
 * With UDP, sendto() succeeds even when no server is there: nothing is
 * connected, so nothing can be refused.  The question is only whether an
 * answer comes.  A client that calls recvfrom() with no timeout waits for
 * ever (the Python original hangs there); this one sets a timeout and
 * says clearly when nothing answered.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define DEFAULT_ADDRESS "127.0.0.1:8888"
#define BUFSIZE 2048

int main(int argc, char **argv)
{
    const char *address = NULL;
    double timeout = 2.0;

    ex_init(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
            char *end;
            timeout = strtod(argv[++i], &end);
            if (*end != '\0' || !(timeout > 0))
                ex_usage("[-t SECONDS] [HOST:PORT]");
        } else if (argv[i][0] != '-' && !address) {
            address = argv[i];
        } else {
            ex_usage("[-t SECONDS] [HOST:PORT]");
        }
    }
    nt_addr server;
    char where[NT_ADDRSTRLEN];
    ex_address(address, DEFAULT_ADDRESS, NT_SOCK_DGRAM, &server);
    nt_addr_format(&server, where, sizeof where);

    nt_socket *s;
    int rc = nt_socket_new(server.family, NT_SOCK_DGRAM, 0, &s);
    if (rc != NT_OK)
        ex_fail("socket", rc);
    /* s.settimeout(2.0): recvfrom() gives up with NT_ETIMEDOUT. */
    nt_socket_settimeout(s, timeout);

    char line[BUFSIZE];
    for (;;) {
        printf("DATA: ");
        if (!ex_read_line(line, sizeof line) || strcmp(line, "exit") == 0)
            break;
        /* An empty datagram is a real datagram (unlike an empty TCP send),
         * but there is no point in sending one here. */
        if (line[0] == '\0')
            continue;
        ptrdiff_t sent = nt_socket_sendto(s, line, strlen(line), 0, &server);
        if (sent < 0)
            ex_fail("sendto", (int)sent);

        char reply[BUFSIZE];
        nt_addr from;
        ptrdiff_t n;
        /* Anyone may send to our port: take only the server's answer. */
        do {
            n = nt_socket_recvfrom(s, reply, sizeof reply, 0, &from);
        } while (n >= 0 && !nt_addr_equal(&from, &server));
        if (n == NT_ETIMEDOUT) {
            fprintf(stderr,
                    "\n%s: no answer from %s within %g s: is udp-echo-server "
                    "running there?\n",
                    ex_name(), where, timeout);
            nt_socket_close(s);
            return EX_FAILED;
        }
        if (n < 0)
            ex_fail("recvfrom", (int)n);
        printf("%.*s\n", (int)n, reply);
    }
    printf("\n");
    nt_socket_close(s);
    return 0;
}
