/* SPDX-License-Identifier: MIT */
#include "irc-parse.h"

#include <string.h>

void srv_tag_unescape(char *value)
{
    char *out = value;
    for (char *in = value; *in; in++) {
        if (*in != '\\') {
            *out++ = *in;
            continue;
        }
        in++;
        switch (*in) {
        case ':':
            *out++ = ';';
            break;
        case 's':
            *out++ = ' ';
            break;
        case 'r':
            *out++ = '\r';
            break;
        case 'n':
            *out++ = '\n';
            break;
        case '\0':
            in--;
            break; /* a trailing lone backslash is dropped */
        default:
            *out++ = *in;
            break; /* "\\" and unknown escapes */
        }
    }
    *out = '\0';
}

size_t srv_tag_escape(char *dst, size_t size, const char *value)
{
    size_t n = 0;
    for (; *value; value++) {
        const char *rep = NULL;
        switch (*value) {
        case ';':
            rep = "\\:";
            break;
        case ' ':
            rep = "\\s";
            break;
        case '\\':
            rep = "\\\\";
            break;
        case '\r':
            rep = "\\r";
            break;
        case '\n':
            rep = "\\n";
            break;
        default:
            break;
        }
        size_t k = rep ? 2 : 1;
        if (n + k >= size)
            return (size_t)-1;
        if (rep)
            memcpy(dst + n, rep, 2);
        else
            dst[n] = *value;
        n += k;
    }
    if (size == 0)
        return (size_t)-1;
    dst[n] = '\0';
    return n;
}

static char *skip_spaces(char *p)
{
    while (*p == ' ')
        p++;
    return p;
}

static void parse_tags(char *tags, srv_msg *msg)
{
    char *p = tags;
    while (p && *p) {
        char *next = strchr(p, ';');
        if (next)
            *next++ = '\0';
        if (*p && msg->ntags < SRV_MSG_MAX_TAGS) {
            char *eq = strchr(p, '=');
            const char *value = "";
            if (eq) {
                *eq = '\0';
                srv_tag_unescape(eq + 1);
                value = eq + 1;
            }
            if (*p) {
                msg->tags[msg->ntags].key = p;
                msg->tags[msg->ntags].value = value;
                msg->ntags++;
            }
        }
        p = next;
    }
}

int srv_msg_parse(char *line, srv_msg *msg)
{
    memset(msg, 0, sizeof *msg);
    char *p = skip_spaces(line);
    if (*p == '@') {
        char *end = strchr(p, ' ');
        if (!end)
            return -1;
        *end = '\0';
        parse_tags(p + 1, msg);
        p = skip_spaces(end + 1);
    }
    if (*p == ':') {
        char *end = strchr(p, ' ');
        if (!end)
            return -1;
        *end = '\0';
        msg->source = p + 1;
        p = skip_spaces(end + 1);
    }
    if (*p == '\0')
        return -1;
    msg->command = p;
    char *end = strchr(p, ' ');
    if (!end)
        return 0;
    *end = '\0';
    p = skip_spaces(end + 1);
    while (*p) {
        if (*p == ':' || msg->nparams == SRV_MSG_MAX_PARAMS - 1) {
            msg->params[msg->nparams++] = *p == ':' ? p + 1 : p;
            break;
        }
        msg->params[msg->nparams++] = p;
        end = strchr(p, ' ');
        if (!end)
            break;
        *end = '\0';
        p = skip_spaces(end + 1);
    }
    return 0;
}

size_t srv_msg_client_tags(const srv_msg *msg, char *dst, size_t size)
{
    size_t n = 0;
    if (size == 0)
        return 0;
    dst[0] = '\0';
    for (size_t i = 0; i < msg->ntags; i++) {
        const srv_tag *t = &msg->tags[i];
        if (t->key[0] != '+')
            continue;
        size_t klen = strlen(t->key);
        size_t need = (n ? 1 : 0) + klen;
        if (n + need >= size)
            continue;
        size_t start = n;
        if (n)
            dst[n++] = ';';
        memcpy(dst + n, t->key, klen);
        n += klen;
        if (t->value[0]) {
            if (n + 1 >= size) {
                n = start;
                continue;
            }
            dst[n++] = '=';
            size_t v = srv_tag_escape(dst + n, size - n, t->value);
            if (v == (size_t)-1) {
                n = start;
                dst[n] = '\0';
                continue;
            }
            n += v;
        }
        dst[n] = '\0';
    }
    dst[n] = '\0';
    return n;
}
