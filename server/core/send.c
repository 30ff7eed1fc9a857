/* SPDX-License-Identifier: MIT */
#include "send.h"

#include "history.h"
#include "irc-parse.h"
#include "label.h"
#include "monitor.h"
#include "server.h"
#include "timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- labeled-response (label.h) ----
 *
 * c->label is one allocation: the escaped label, its NUL, then the
 * labeled-response batch's id ("" until a second reply opens it).
 * c->label_capture holds the first reply until it is known whether it
 * is the only one. */

#define LABEL_BATCH_ID_SIZE 24

static char *label_batch_id(srv_client *c)
{
    return c->label + strlen(c->label) + 1;
}

static void raw_send(srv_client *c, nt_buf *b)
{
    if (b && !c->dead && !c->transport_gone)
        c->transport->send(c->ctx, b);
}

/* Does the tag section tags (without '@') hold the tag key? */
static int has_tag(const char *tags, size_t len, const char *key)
{
    size_t klen = strlen(key);
    const char *p = tags, *end = tags + len;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        if ((size_t)(stop - p) >= klen && memcmp(p, key, klen) == 0 &&
            (p + klen == stop || p[klen] == '='))
            return 1;
        p = stop + 1;
    }
    return 0;
}

/* Send one line (CRLF included) with key=value put first in its tag
 * section; with keep_batch, a line already in a batch goes unchanged.
 * The tag section stays far below its 8191 bytes: a client's tags are
 * at most 4094, the server's own a few hundred, a label 128 escaped. */
static void send_tagged(srv_client *c, const char *line, size_t len, const char *key,
                        const char *value, int keep_batch)
{
    const char *tags = "", *rest = line;
    size_t tags_len = 0;
    if (len && line[0] == '@') {
        const char *sp = memchr(line, ' ', len);
        tags = line + 1;
        tags_len = sp ? (size_t)(sp - tags) : len - 1;
        rest = sp ? sp + 1 : line + len;
    }
    size_t rest_len = len - (size_t)(rest - line);
    nt_buf *b;
    if (keep_batch && has_tag(tags, tags_len, "batch"))
        b = nt_buf_from(line, len);
    else
        b = nt_buf_printf("@%s=%s%s%.*s %.*s", key, value, tags_len ? ";" : "", (int)tags_len,
                          tags, (int)rest_len, rest);
    raw_send(c, b);
    nt_buf_unref(b);
}

int srv_label_begin(srv_client *c, const srv_msg *msg)
{
    const unsigned need = SRV_CAP_LABELED_RESPONSE | SRV_CAP_BATCH;
    if ((c->caps & need) != need || c->label || c->dead)
        return 0;
    const char *value = NULL;
    for (size_t i = 0; i < msg->ntags; i++) {
        if (strcmp(msg->tags[i].key, "label") == 0)
            value = msg->tags[i].value;
    }
    if (!value || !value[0] || strlen(value) > SRV_LABEL_MAX)
        return 0;
    char escaped[2 * SRV_LABEL_MAX + 1];
    size_t n = srv_tag_escape(escaped, sizeof escaped, value);
    if (n == (size_t)-1)
        return 0;
    c->label = malloc(n + 1 + LABEL_BATCH_ID_SIZE);
    if (!c->label)
        return 0; /* out of memory: the replies go unlabeled */
    memcpy(c->label, escaped, n + 1);
    c->label[n + 1] = '\0';
    return 1;
}

void srv_label_end(srv_client *c)
{
    if (!c->label)
        return;
    const char *server = c->server->cfg.server_name;
    char *id = label_batch_id(c);
    nt_buf *b = NULL;
    if (id[0]) {
        b = nt_buf_printf(":%s BATCH -%s\r\n", server, id);
    } else if (c->label_capture) {
        send_tagged(c, nt_buf_data(c->label_capture), nt_buf_len(c->label_capture), "label",
                    c->label, 0);
    } else {
        b = nt_buf_printf("@label=%s :%s ACK\r\n", c->label, server);
    }
    raw_send(c, b);
    nt_buf_unref(b);
    nt_buf_unref(c->label_capture);
    c->label_capture = NULL;
    free(c->label);
    c->label = NULL;
}

/* One reply line (CRLF included) to a client whose command is labeled. */
static void label_line(srv_client *c, const char *line, size_t len)
{
    char *id = label_batch_id(c);
    if (!id[0] && !c->label_capture) {
        c->label_capture = nt_buf_from(line, len); /* perhaps the only reply */
        if (!c->label_capture)
            return;
    } else {
        if (!id[0]) {
            /* A second reply: open the batch, then the held first one. */
            snprintf(id, LABEL_BATCH_ID_SIZE, "%llx",
                     (unsigned long long)srv_server_next_mark(c->server));
            nt_buf *open = nt_buf_printf("@label=%s :%s BATCH +%s labeled-response\r\n", c->label,
                                         c->server->cfg.server_name, id);
            raw_send(c, open);
            nt_buf_unref(open);
            nt_buf *held = c->label_capture;
            c->label_capture = NULL;
            send_tagged(c, nt_buf_data(held), nt_buf_len(held), "batch", id, 1);
            nt_buf_unref(held);
        }
        send_tagged(c, line, len, "batch", id, 1);
    }
    /* ERROR is the last line before the connection closes (QUIT, a
     * KILL, excess flood): finish the response while it can be sent. */
    if (len >= 6 && memcmp(line, "ERROR ", 6) == 0)
        srv_label_end(c);
}

void srv_send_buf(srv_client *c, nt_buf *b)
{
    if (!b || c->dead || c->transport_gone)
        return;
    if (!c->label) {
        c->transport->send(c->ctx, b);
        return;
    }
    /* Labeling: a buffer is normally one line, but take it apart anyway. */
    const char *p = nt_buf_data(b);
    size_t left = nt_buf_len(b);
    while (left && c->label) {
        const char *lf = memchr(p, '\n', left);
        size_t n = lf ? (size_t)(lf - p) + 1 : left;
        label_line(c, p, n);
        p += n;
        left -= n;
    }
    if (left) { /* the response ended (ERROR) before the buffer did */
        nt_buf *tail = nt_buf_from(p, left);
        raw_send(c, tail);
        nt_buf_unref(tail);
    }
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

/* What one line carries besides its text; variant bits say which parts a
 * client gets: 1 server-time, 2 message-tags (msgid and client tags),
 * 4 account-tag.  The batch tag goes to whoever the line is built for. */
typedef struct line_tags {
    int64_t wall_us;
    const char *batch; /* NULL or "": none */
    const char *account;
    int64_t msgid;
    const char *client_tags;
} line_tags;

/* The variant of a line with these parts that c's capabilities want. */
static unsigned variant_for(const srv_client *c, const line_tags *t)
{
    unsigned variant = 0;
    if (c->caps & SRV_CAP_SERVER_TIME)
        variant |= 1;
    if ((c->caps & SRV_CAP_MESSAGE_TAGS) && (t->client_tags || t->msgid))
        variant |= 2;
    if ((c->caps & SRV_CAP_ACCOUNT_TAG) && t->account)
        variant |= 4;
    return variant;
}

/* "@tags " (or nothing), body, CRLF: the one place that writes a relayed
 * line's tags, live (fan-out) or replayed (history). */
static nt_buf *build_line(const line_tags *t, unsigned variant, const char *body, size_t body_len)
{
    size_t tags_len = t->client_tags ? strlen(t->client_tags) : 0;
    nt_buf *b = nt_buf_new(body_len + tags_len + 96 + 2 * SRV_NICKLEN_MAX);
    if (!b)
        return NULL;
    int rc = NT_OK;
    char sep = '@';
    if (variant & 1) {
        char when[40];
        srv_time_iso8601(t->wall_us, when, sizeof when);
        rc = nt_buf_appendf(b, "%ctime=%s", sep, when);
        sep = ';';
    }
    if (t->batch && t->batch[0] && rc == NT_OK) {
        rc = nt_buf_appendf(b, "%cbatch=%s", sep, t->batch);
        sep = ';';
    }
    if ((variant & 4) && rc == NT_OK) {
        /* Escaped as message-tags says (account names cannot hold these
         * characters today; old ones might). */
        char value[2 * SRV_NICKLEN_MAX + 1];
        if (srv_tag_escape(value, sizeof value, t->account) != (size_t)-1) {
            rc = nt_buf_appendf(b, "%caccount=%s", sep, value);
            sep = ';';
        }
    }
    if ((variant & 2) && t->msgid && rc == NT_OK) {
        char id[SRV_MSGID_LEN + 1];
        srv_msgid_format(t->msgid, id);
        rc = nt_buf_appendf(b, "%cmsgid=%s", sep, id);
        sep = ';';
    }
    if ((variant & 2) && t->client_tags && rc == NT_OK) {
        rc = nt_buf_appendf(b, "%c%s", sep, t->client_tags);
        sep = ';';
    }
    if (sep == ';' && rc == NT_OK)
        rc = nt_buf_append(b, " ", 1);
    if (rc == NT_OK)
        rc = nt_buf_append(b, body, body_len);
    if (rc == NT_OK)
        rc = nt_buf_append(b, "\r\n", 2);
    if (rc != NT_OK) {
        nt_buf_unref(b);
        return NULL;
    }
    return b;
}

static line_tags fanout_tags(const srv_fanout *f)
{
    return (line_tags){f->wall_us, NULL, f->account, f->msgid, f->client_tags};
}

void srv_send_replayed(srv_client *c, const char *batch, int64_t msgid, const char *account,
                       const char *client_tags, const char *line)
{
    if (c->dead || c->transport_gone)
        return;
    line_tags t = {srv_msgid_time_us(msgid), batch, account && account[0] ? account : NULL,
                   msgid, client_tags && client_tags[0] ? client_tags : NULL};
    nt_buf *b = build_line(&t, variant_for(c, &t), line, strlen(line));
    srv_send_buf(c, b);
    nt_buf_unref(b);
}

void srv_fanout_send(srv_fanout *f, srv_client *c)
{
    if (!f->body || c->dead || c->transport_gone)
        return;
    line_tags t = fanout_tags(f);
    unsigned variant = variant_for(c, &t);
    if (!f->variants[variant])
        f->variants[variant] = build_line(&t, variant, f->body, f->body_len);
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
