/* SPDX-License-Identifier: MIT */
/* Fuzz natterd's line parser and IRCv3 tag escaping: any bytes parse or
 * are refused without crashing, and escaping round-trips. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irc-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';
    srv_msg msg;
    if (srv_msg_parse(line, &msg) == 0) {
        if (!msg.command || msg.nparams > SRV_MSG_MAX_PARAMS || msg.ntags > SRV_MSG_MAX_TAGS)
            abort();
        char tags[8192];
        size_t n = srv_msg_client_tags(&msg, tags, sizeof tags);
        if (n >= sizeof tags)
            abort();
    }
    free(line);

    /* escape(value) then unescape gives value back. */
    char value[512];
    size_t vlen = size < sizeof value - 1 ? size : sizeof value - 1;
    memcpy(value, data, vlen);
    value[vlen] = '\0';
    char escaped[1100];
    size_t elen = srv_tag_escape(escaped, sizeof escaped, value);
    if (elen != (size_t)-1) {
        srv_tag_unescape(escaped);
        if (strcmp(escaped, value) != 0)
            abort();
    }
    return 0;
}
