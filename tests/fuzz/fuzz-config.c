/* SPDX-License-Identifier: MIT */
/* Fuzz natterd's INI parser: every input is accepted or refused with a
 * message, never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    srv_config cfg;
    char err[256];
    if (srv_config_defaults(&cfg) == 0) {
        if (srv_config_parse(&cfg, text, "fuzz.conf", err, sizeof err) != 0 && !err[0])
            abort(); /* a refusal always says why */
        srv_config_free(&cfg);
    }
    free(text);
    return 0;
}
