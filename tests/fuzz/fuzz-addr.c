/* SPDX-License-Identifier: MIT */
/* Fuzz the address parser: anything parses or is refused, and whatever
 * parses prints back to text that parses to the same address, and prints
 * its host alone too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <natter/addr.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[256];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';

    nt_addr a, b;
    if (nt_addr_parse(text, &a) == NT_OK) {
        char out[NT_ADDRSTRLEN];
        if (nt_addr_format(&a, out, sizeof out) < 0)
            abort();
        if (nt_addr_parse(out, &b) != NT_OK || !nt_addr_equal(&a, &b))
            abort();
        if (nt_addr_format_host(&a, out, sizeof out) < 0)
            abort();
    }
    char host[64];
    uint16_t port;
    if (nt_addr_split(text, host, sizeof host, &port, 6667) == NT_OK && strlen(host) >= sizeof host)
        abort();
    nt_addr_from_ip(text, 1, &a);
    return 0;
}
