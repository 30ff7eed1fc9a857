/* SPDX-License-Identifier: MIT */
/* Fuzz natter's server-line parser (the client side): whatever a server
 * sends parses or is refused, and every accessor is safe on the result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irc-line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *raw = malloc(size + 1);
    if (!raw)
        return 0;
    memcpy(raw, data, size);
    raw[size] = '\0';
    NcIrcLine *line = nc_irc_line_parse(raw);
    if (line) {
        if (!line->command)
            abort();
        for (guint i = 0; i <= line->n_params + 1; i++)
            nc_irc_line_param(line, i);
        nc_irc_line_tag(line, "time");
        nc_irc_line_time(line, 0);
        if (line->nick) {
            char *folded = nc_irc_casefold(line->nick);
            if (!nc_irc_name_equal(folded, line->nick))
                abort();
            g_free(folded);
        }
        nc_irc_is_channel(line->command, "#&");
        nc_irc_line_free(line);
    }
    free(raw);
    return 0;
}
