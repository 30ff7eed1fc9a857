/* SPDX-License-Identifier: MIT */
#include "irc-message.h"

#include "client.h" /* nc_text_mentions */

#include <glib/gi18n.h>
#include <string.h>

static const char *param(const NcIrcLine *l, guint i)
{
    const char *p = nc_irc_line_param(l, i);
    return p ? p : "";
}

char *nc_irc_line_join_params(const NcIrcLine *l, guint from)
{
    GString *s = g_string_new(NULL);
    for (guint i = from; i < l->n_params; i++) {
        if (s->len)
            g_string_append_c(s, ' ');
        g_string_append(s, l->params[i]);
    }
    return g_string_free(s, FALSE);
}

/* The text between the \001s of a CTCP message, or NULL. */
static char *ctcp_body(const NcIrcLine *l)
{
    if (strcmp(l->command, "PRIVMSG") != 0 && strcmp(l->command, "NOTICE") != 0)
        return NULL;
    const char *text = param(l, 1);
    if (text[0] != '\001')
        return NULL;
    gsize len = strlen(text);
    return g_strndup(text + 1, len - 1 - (len > 1 && text[len - 1] == '\001' ? 1 : 0));
}

gboolean nc_irc_line_ctcp(const NcIrcLine *l, char **body)
{
    char *b = ctcp_body(l);
    if (!b || g_str_has_prefix(b, "ACTION ")) {
        g_free(b);
        return FALSE;
    }
    *body = b;
    return TRUE;
}

static NcMessage *chat_message(const NcIrcLine *l, const NcLineReader *r, gint64 t)
{
    const char *target = param(l, 0);
    gboolean notice = strcmp(l->command, "NOTICE") == 0;
    NcMessageKind kind = notice ? NC_MSG_NOTICE : NC_MSG_PRIVMSG;
    g_autofree char *body = ctcp_body(l);
    if (body) {
        if (!g_str_has_prefix(body, "ACTION "))
            return NULL; /* other CTCP requests are not conversation */
        memmove(body, body + 7, strlen(body + 7) + 1);
        kind = NC_MSG_ACTION;
    }
    const char *shown = body ? body : param(l, 1);
    NcMessageFlags flags = NC_MSG_FLAG_NONE;
    if (l->nick && nc_irc_name_equal(l->nick, r->nick))
        flags |= NC_MSG_FLAG_SELF;
    else if (!nc_irc_is_channel(target, r->chantypes) && !notice)
        flags |= NC_MSG_FLAG_HIGHLIGHT; /* a private message is for us */
    else if (nc_text_mentions(shown, r->nick, r->highlights))
        flags |= NC_MSG_FLAG_HIGHLIGHT;
    return nc_message_new(t, kind, flags, l->nick, shown);
}

static char *event_text(const NcIrcLine *l, NcMessageKind *kind)
{
    const char *c = l->command, *nick = l->nick ? l->nick : "";
    if (strcmp(c, "JOIN") == 0) {
        *kind = NC_MSG_JOIN;
        return g_strdup_printf(_("%s (%s@%s) joined %s"), nick, l->user ? l->user : "?",
                               l->host ? l->host : "?", param(l, 0));
    }
    if (strcmp(c, "PART") == 0) {
        *kind = NC_MSG_PART;
        return l->n_params > 1 && *param(l, 1)
                   ? g_strdup_printf(_("%s left %s (%s)"), nick, param(l, 0), param(l, 1))
                   : g_strdup_printf(_("%s left %s"), nick, param(l, 0));
    }
    if (strcmp(c, "KICK") == 0) {
        *kind = NC_MSG_KICK;
        return g_strdup_printf(_("%s was kicked by %s (%s)"), param(l, 1), nick, param(l, 2));
    }
    if (strcmp(c, "QUIT") == 0) {
        *kind = NC_MSG_QUIT;
        return g_strdup_printf(_("%s quit (%s)"), nick, param(l, 0));
    }
    if (strcmp(c, "NICK") == 0) {
        *kind = NC_MSG_NICK;
        return g_strdup_printf(_("%s is now known as %s"), nick, param(l, 0));
    }
    if (strcmp(c, "TOPIC") == 0) {
        *kind = NC_MSG_TOPIC;
        return g_strdup_printf(_("%s changed the topic to: %s"), nick, param(l, 1));
    }
    if (strcmp(c, "MODE") == 0) {
        *kind = NC_MSG_MODE;
        g_autofree char *all = nc_irc_line_join_params(l, 1);
        return g_strdup_printf(_("%s sets mode %s"), nick, all);
    }
    return NULL;
}

NcMessage *nc_message_from_line(const NcIrcLine *l, const NcLineReader *r)
{
    gint64 t = nc_irc_line_time(l, g_get_real_time());
    NcMessage *msg = NULL;
    if (strcmp(l->command, "PRIVMSG") == 0 || strcmp(l->command, "NOTICE") == 0) {
        msg = chat_message(l, r, t);
    } else {
        NcMessageKind kind = NC_MSG_SERVER;
        g_autofree char *text = event_text(l, &kind);
        if (text)
            msg = nc_message_new(t, kind, NC_MSG_FLAG_NONE, l->nick, text);
    }
    if (msg)
        nc_message_set_msgid(msg, nc_irc_line_tag(l, "msgid"));
    return msg;
}
