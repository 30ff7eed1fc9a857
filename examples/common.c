/* SPDX-License-Identifier: MIT */
/* Shared plumbing of the examples; see common.h. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

static char program[64] = "example";

void ex_init(const char *argv0)
{
    if (argv0 && *argv0) {
        /* Keep the base name: "echo-server", not "./build/examples/...". */
        const char *slash = strrchr(argv0, '/');
        const char *backslash = strrchr(argv0, '\\');
        if (backslash && (!slash || backslash > slash))
            slash = backslash;
        snprintf(program, sizeof program, "%s", slash ? slash + 1 : argv0);
        /* "echo-server.exe" on Windows: the same name as elsewhere. */
        size_t len = strlen(program);
        if (len > 4 && strcmp(program + len - 4, ".exe") == 0)
            program[len - 4] = '\0';
    }
    setvbuf(stdout, NULL, _IONBF, 0);
}

const char *ex_name(void)
{
    return program;
}

void ex_fail(const char *what, int code)
{
    /* nt_strerror() gives the same text for the same failure on every
     * platform; nt_err_name() the code to search for. */
    fprintf(stderr, "%s: %s: %s (%s)\n", program, what, nt_strerror(code), nt_err_name(code));
    exit(EX_FAILED);
}

void ex_usage(const char *args)
{
    fprintf(stderr, "usage: %s %s\n", program, args);
    exit(EX_USAGE);
}

void ex_address(const char *text, const char *default_text, nt_socktype type, nt_addr *out)
{
    char host[256];
    char default_host[256];
    uint16_t default_port = 0;
    uint16_t port = 0;

    /* The default's port is the default when the text names only a host. */
    if (nt_addr_split(default_text, default_host, sizeof default_host, &default_port, 0) != NT_OK) {
        fprintf(stderr, "%s: bad default address '%s'\n", program, default_text);
        exit(EX_USAGE);
    }
    if (!text)
        text = default_text;
    if (nt_addr_split(text, host, sizeof host, &port, default_port) != NT_OK) {
        fprintf(stderr,
                "%s: '%s' is not an address (try host:port, [v6addr]:port "
                "or host)\n",
                program, text);
        exit(EX_USAGE);
    }
    /* Python's bind(("localhost", 8080)) looks the name up too, with
     * getaddrinfo(); nt_getaddrinfo() is that call, blocking as Python's
     * does (a program on an event loop would use nt_resolve_start()).
     * We take the first answer. */
    int n = nt_getaddrinfo(host, port, NT_AF_UNSPEC, type, out, 1);
    if (n < 0) {
        fprintf(stderr, "%s: cannot resolve '%s': %s\n", program, host, nt_strerror(n));
        exit(EX_FAILED);
    }
}

void ex_print_listening(const nt_socket *s)
{
    nt_addr local;
    char text[NT_ADDRSTRLEN];
    /* getsockname(): with port 0 the OS chose a free port, and this is
     * the only way to learn which. */
    int rc = nt_socket_getsockname(s, &local);
    if (rc == NT_OK)
        rc = nt_addr_format(&local, text, sizeof text);
    if (rc < 0)
        ex_fail("getsockname", rc);
    printf("listening on %s\n", text);
}

long ex_count(const char *option, const char *text)
{
    char *end = NULL;
    long n = text ? strtol(text, &end, 10) : 0;
    if (!text || end == text || *end != '\0' || n <= 0) {
        fprintf(stderr, "%s: %s needs a positive number\n", program, option);
        exit(EX_USAGE);
    }
    return n;
}

int ex_read_line(char *buf, size_t len)
{
    if (!fgets(buf, (int)len, stdin))
        return 0;
    /* Remove "\n" and, from a Windows console or file, "\r\n". */
    buf[strcspn(buf, "\r\n")] = '\0';
    return 1;
}
