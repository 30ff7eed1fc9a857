/* SPDX-License-Identifier: MIT */
#include "send.h"

#include "history.h"
#include "monitor.h"
#include "server.h"
#include "timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void srv_send_buf(srv_client *c, nt_buf *b)
{
    if (!b || c->dead || c->transport_gone)
        return;
    c->transport->send(c->ctx, b);
}

void srv_sendf(srv_client *c, const char *fmt, ...)
{
    if (c->dead || c->transport_gone)
        return;
    nt_buf *b = nt_buf_new(128);
    if (!b)
        return;
    va_list ap;
    va_start(ap, fmt);
    int rc = nt_buf_vappendf(b, fmt, ap);
    va_end(ap);
    if (rc == NT_OK && nt_buf_append(b, "\r\n", 2) == NT_OK)
        srv_send_buf(c, b);
    nt_buf_unref(b);
}

const char *srv_target_nick(const srv_client *c)
{
    return c->nick[0] ? c->nick : "*";
}

void srv_numeric(srv_client *c, int numeric, const char *fmt, ...)
{
    if (c->dead || c->transport_gone)
        return;
    nt_buf *b = nt_buf_new(128);
    if (!b)
        return;
    int rc =
        nt_buf_appendf(b, ":%s %03d %s ", c->server->cfg.server_name, numeric, srv_target_nick(c));
    va_list ap;
    va_start(ap, fmt);
    if (rc == NT_OK)
        rc = nt_buf_vappendf(b, fmt, ap);
    va_end(ap);
    if (rc == NT_OK && nt_buf_append(b, "\r\n", 2) == NT_OK)
        srv_send_buf(c, b);
    nt_buf_unref(b);
}

int srv_fanout_init(srv_fanout *f, srv_server *s, const char *client_tags, const char *fmt, ...)
{
    memset(f, 0, sizeof *f);
    f->client_tags = client_tags && client_tags[0] ? client_tags : NULL;
    f->wall_us = srv_server_wall_us(s);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    f->body = malloc((size_t)n + 1);
    if (!f->body)
        return -1;
    va_start(ap, fmt);
    vsnprintf(f->body, (size_t)n + 1, fmt, ap);
    va_end(ap);
    f->body_len = (size_t)n;
    return 0;
}

void srv_fanout_set_account(srv_fanout *f, const char *account)
{
    f->account = account;
}

void srv_fanout_set_msgid(srv_fanout *f, int64_t msgid)
{
    f->msgid = msgid;
    if (msgid)
        f->wall_us = srv_msgid_time_us(msgid);
}

static nt_buf *build_variant(srv_fanout *f, unsigned variant)
{
    char time_tag[40] = "";
    size_t tags_len = f->client_tags ? strlen(f->client_tags) : 0;
    nt_buf *b = nt_buf_new(f->body_len + tags_len + 48 + SRV_NICKLEN_MAX);
    if (!b)
        return NULL;
    int rc = NT_OK;
    if (variant) {
        rc = nt_buf_append(b, "@", 1);
        if (variant & 1) {
            srv_time_iso8601(f->wall_us, time_tag, sizeof time_tag);
            if (rc == NT_OK)
                rc = nt_buf_appendf(b, "time=%s", time_tag);
        }
        if ((variant & 4) && rc == NT_OK) {
            /* A tag value, escaped as message-tags says (account names
             * cannot hold these characters today; old ones might). */
            char value[2 * SRV_NICKLEN_MAX + 1];
            size_t n = 0;
            for (const char *p = f->account; *p && n + 2 < sizeof value; p++) {
                const char *esc = *p == ';'    ? "\\:"
                                  : *p == ' '  ? "\\s"
                                  : *p == '\\' ? "\\\\"
                                  : *p == '\r' ? "\\r"
                                  : *p == '\n' ? "\\n"
                                               : NULL;
                if (esc) {
                    value[n++] = esc[0];
                    value[n++] = esc[1];
                } else {
                    value[n++] = *p;
                }
            }
            value[n] = '\0';
            rc = nt_buf_appendf(b, "%saccount=%s", (variant & 1) ? ";" : "", value);
        }
        if ((variant & 2) && f->msgid && rc == NT_OK) {
            char id[SRV_MSGID_LEN + 1];
            srv_msgid_format(f->msgid, id);
            rc = nt_buf_appendf(b, "%smsgid=%s", (variant & 5) ? ";" : "", id);
        }
        if ((variant & 2) && f->client_tags && rc == NT_OK)
            rc = nt_buf_appendf(b, "%s%s", (variant & 5) || f->msgid ? ";" : "", f->client_tags);
        if (rc == NT_OK)
            rc = nt_buf_append(b, " ", 1);
    }
    if (rc == NT_OK)
        rc = nt_buf_append(b, f->body, f->body_len);
    if (rc == NT_OK)
        rc = nt_buf_append(b, "\r\n", 2);
    if (rc != NT_OK) {
        nt_buf_unref(b);
        return NULL;
    }
    return b;
}

void srv_fanout_send(srv_fanout *f, srv_client *c)
{
    if (!f->body || c->dead || c->transport_gone)
        return;
    unsigned variant = 0;
    if (c->caps & SRV_CAP_SERVER_TIME)
        variant |= 1;
    if ((c->caps & SRV_CAP_MESSAGE_TAGS) && (f->client_tags || f->msgid))
        variant |= 2;
    if ((c->caps & SRV_CAP_ACCOUNT_TAG) && f->account)
        variant |= 4;
    if (!f->variants[variant])
        f->variants[variant] = build_variant(f, variant);
    srv_send_buf(c, f->variants[variant]);
}

void srv_fanout_done(srv_fanout *f)
{
    for (size_t i = 0; i < 8; i++)
        nt_buf_unref(f->variants[i]);
    free(f->body);
    memset(f, 0, sizeof *f);
}

void srv_fanout_to_peers(srv_fanout *f, srv_client *c, unsigned cap)
{
    uint64_t mark = srv_server_next_mark(c->server);
    c->mark = mark;
    for (size_t i = 0; i < c->nchannels; i++) {
        srv_channel *ch = c->channels[i]->channel;
        for (size_t j = 0; j < ch->nmembers; j++) {
            srv_client *peer = ch->members[j]->client;
            if (peer->mark == mark)
                continue;
            peer->mark = mark;
            if (cap && !(peer->caps & cap))
                continue;
            srv_fanout_send(f, peer);
        }
    }
    /* extended-monitor: watchers hear cap-gated news as if they shared a
     * channel with c. */
    if (cap)
        srv_monitor_fanout(f, c, cap, mark);
}

void srv_fanout_to_channel(srv_fanout *f, srv_channel *ch, srv_client *skip)
{
    for (size_t j = 0; j < ch->nmembers; j++) {
        srv_client *peer = ch->members[j]->client;
        if (peer != skip)
            srv_fanout_send(f, peer);
    }
}

void srv_batch_begin(srv_client *c, srv_batch *b, const char *fmt, ...)
{
    b->id[0] = '\0';
    if (!(c->caps & SRV_CAP_BATCH) || c->dead || c->transport_gone)
        return;
    /* Unique per connection is all the spec asks; the server's mark
     * counter is unique per server. */
    snprintf(b->id, sizeof b->id, "%llx", (unsigned long long)srv_server_next_mark(c->server));
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    srv_sendf(c, ":%s BATCH +%s %s", c->server->cfg.server_name, b->id, what);
}

void srv_batch_end(srv_client *c, const srv_batch *b)
{
    if (b->id[0])
        srv_sendf(c, ":%s BATCH -%s", c->server->cfg.server_name, b->id);
}

void srv_words_init(srv_words *w, srv_client *c, int numeric, const char *head)
{
    w->client = c;
    w->numeric = numeric;
    w->head = head;
    w->n = 0;
    w->line[0] = '\0';
}

void srv_words_flush(srv_words *w)
{
    if (w->n)
        srv_numeric(w->client, w->numeric, "%s :%s", w->head, w->line);
    w->n = 0;
    w->line[0] = '\0';
}

void srv_words_add(srv_words *w, const char *word, size_t len)
{
    if (len >= sizeof w->line)
        len = sizeof w->line - 1; /* a word never longer than a line */
    if (w->n && w->n + 1 + len >= sizeof w->line)
        srv_words_flush(w);
    if (w->n)
        w->line[w->n++] = ' ';
    memcpy(w->line + w->n, word, len);
    w->n += len;
    w->line[w->n] = '\0';
}
