/* SPDX-License-Identifier: MIT */
#include "services.h"

#include "casemap.h"
#include "send.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void srv_service_reply(srv_client *c, const srv_service *svc, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    srv_sendf(c, ":%s!%s@%s NOTICE %s :%s", svc->nick, svc->nick, c->server->cfg.server_name,
              srv_target_nick(c), text);
}

/* Split buf into words in place; the last one keeps the rest of the line. */
static size_t split(char *buf, char **w)
{
    size_t n = 0;
    char *p = buf;
    while (n < SRV_SERVICE_MAX_WORDS && *p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        w[n++] = p;
        if (n == SRV_SERVICE_MAX_WORDS)
            break;
        p += strcspn(p, " ");
        if (*p)
            *p++ = '\0';
    }
    return n;
}

void srv_service_run(srv_client *c, const srv_service *svc, const char *text)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", text);
    char *w[SRV_SERVICE_MAX_WORDS];
    char help[] = "HELP";
    size_t n = split(buf, w);
    if (n == 0) {
        w[0] = help;
        n = 1;
    }
    for (size_t i = 0; i < svc->ncommands; i++) {
        if (srv_casecmp(w[0], svc->commands[i].name) == 0) {
            svc->commands[i].run(c, w, n);
            return;
        }
    }
    srv_service_reply(c, svc, "Unknown command %.32s. /msg %s HELP lists them.", w[0], svc->nick);
}

void srv_service_params(const srv_msg *msg, char *text, size_t size)
{
    size_t n = 0;
    text[0] = '\0';
    for (size_t i = 0; i < msg->nparams; i++) {
        int w = snprintf(text + n, size - n, "%s%s", i ? " " : "", msg->params[i]);
        if (w < 0 || (size_t)w >= size - n)
            break;
        n += (size_t)w;
    }
}
