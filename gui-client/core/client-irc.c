/* SPDX-License-Identifier: MIT */
/* What each server line does to the connection and the model.  One
 * handler per command, found through one table, as the server does it. */
#include "client-private.h"
#include "irc-message.h"

#include "nt-config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

typedef void (*Handler)(NcClient *self, const NcIrcLine *l);

static const char *param(const NcIrcLine *l, guint i)
{
    const char *p = nc_irc_line_param(l, i);
    return p ? p : "";
}

static gboolean is_me(NcClient *self, const char *nick)
{
    return nick && nc_irc_name_equal(nick, self->nick);
}

static gint64 line_time(const NcIrcLine *l)
{
    return nc_irc_line_time(l, g_get_real_time());
}

static void event(NcClient *self, NcBuffer *b, const NcIrcLine *l, NcMessageKind kind,
                  const char *text)
{
    g_autoptr(NcMessage) msg = nc_message_new(line_time(l), kind, NC_MSG_FLAG_NONE, l->nick, text);
    nc__client_add(self, b, msg);
}

/* The conversation line l makes (irc-message.c: the same words as the
 * server's history gives it), added to b. */
static void add_line(NcClient *self, NcBuffer *b, const NcIrcLine *l)
{
    NcLineReader reader = {self->nick, self->chantypes, (const char *const *)self->highlight_words};
    g_autoptr(NcMessage) msg = nc_message_from_line(l, &reader);
    if (msg)
        nc__client_add(self, b, msg);
}

/* Text after the command's fixed parameters: numerics carry our nick
 * first, which the reader does not need to see. */
static char *join_params(const NcIrcLine *l, guint from)
{
    return nc_irc_line_join_params(l, from);
}

/* ---- registration --------------------------------------------------- */

/* The account-* three let the member list say who is logged in as whom;
 * sasl is asked for only to log in (client-sasl.c).  The history ones
 * (client-history.c) fill what was missed while away; echo-message gives
 * our own lines the server's time and msgid, so they merge exactly. */
static const char *const wanted_caps[] = {"server-time",
                                          "multi-prefix",
                                          "account-notify",
                                          "extended-join",
                                          "account-tag",
                                          "away-notify",
                                          "message-tags",
                                          "batch",
                                          "labeled-response",
                                          "echo-message",
                                          "draft/chathistory",
                                          "draft/event-playback",
                                          "draft/read-marker",
                                          NULL};

void nc__client_cap_end(NcClient *self)
{
    if (self->cap_pending && self->state == NC_STATE_REGISTERING) {
        self->cap_pending = FALSE;
        nc__client_send(self, "CAP END");
    }
}

/* CAP REQ answered (or nothing to ask): log in or create the account
 * first, when that was asked for; CAP END then waits for it. */
static void caps_settled(NcClient *self)
{
    if (!self->cap_pending || self->state != NC_STATE_REGISTERING)
        return;
    if (!nc__client_account_begin(self))
        nc__client_cap_end(self);
}

static void h_cap(NcClient *self, const NcIrcLine *l)
{
    const char *sub = param(l, 1);
    if (strcmp(sub, "LS") == 0) {
        /* CAP LS 302 may come in several lines; "*" marks all but the last. */
        gboolean more = l->n_params >= 4 && strcmp(param(l, 2), "*") == 0;
        const char *list = param(l, l->n_params - 1);
        if (self->cap_ls->len)
            g_string_append_c(self->cap_ls, ' ');
        g_string_append(self->cap_ls, list);
        if (more)
            return;
        /* An STS upgrade leaves this connection before it registers. */
        if (nc__client_sts_seen(self, self->cap_ls->str))
            return;
        g_auto(GStrv) offered = g_strsplit(self->cap_ls->str, " ", -1);
        GString *req = g_string_new(NULL);
        for (guint i = 0; offered[i]; i++) {
            char *eq = strchr(offered[i], '=');
            if (eq)
                *eq = '\0';
            if (g_strv_contains(wanted_caps, offered[i])) {
                if (req->len)
                    g_string_append_c(req, ' ');
                g_string_append(req, offered[i]);
            }
        }
        /* A login that cannot happen here stops the client instead. */
        if (nc__client_account_caps(self, self->cap_ls->str, req)) {
            if (req->len)
                nc__client_send(self, "CAP REQ :%s", req->str);
            else
                caps_settled(self);
        }
        g_string_free(req, TRUE);
    } else if (strcmp(sub, "ACK") == 0 || strcmp(sub, "NAK") == 0) {
        if (strcmp(sub, "ACK") == 0) {
            g_auto(GStrv) caps = g_strsplit(param(l, l->n_params - 1), " ", -1);
            for (guint i = 0; caps[i]; i++)
                if (*caps[i] && caps[i][0] != '-')
                    g_hash_table_add(self->caps, g_strdup(caps[i]));
        }
        caps_settled(self);
    }
}

static void h_welcome(NcClient *self, const NcIrcLine *l)
{
    nc__client_registered(self, param(l, 0));
    g_autofree char *text = join_params(l, 1);
    event(self, nc_network_get_server_buffer(self->network), l, NC_MSG_SERVER, text);
}

/* An ISUPPORT value with its escapes decoded: \x20 for a space, \x5C
 * for a backslash (\x00 is never a character).  Bytes that are not
 * UTF-8, raw or escaped, become U+FFFD: the value reaches labels and the
 * saved settings, which take UTF-8 only. */
static char *isupport_value(const char *raw)
{
    GString *out = g_string_new(NULL);
    for (const char *p = raw; *p; p++) {
        int hi, lo;
        if (p[0] == '\\' && p[1] == 'x' && (hi = g_ascii_xdigit_value(p[2])) >= 0 &&
            (lo = g_ascii_xdigit_value(p[3])) >= 0 && (hi || lo)) {
            g_string_append_c(out, (char)(hi * 16 + lo));
            p += 3;
        } else {
            g_string_append_c(out, *p);
        }
    }
    g_autofree char *decoded = g_string_free(out, FALSE);
    return g_utf8_make_valid(decoded, -1);
}

/* Keep one ISUPPORT token (KEY, KEY=VALUE, -KEY) for nc_client_get_isupport(). */
static void remember_isupport(NcClient *self, const char *tok)
{
    gboolean negated = tok[0] == '-';
    const char *eq = strchr(tok, '=');
    g_autofree char *key = negated ? g_strdup(tok + 1)
                           : eq    ? g_strndup(tok, (gsize)(eq - tok))
                                   : g_strdup(tok);
    if (!*key)
        return;
    const char *old = g_hash_table_lookup(self->isupport, key);
    /* A server may say a key once per connection but not without end. */
    if (!old && !negated && g_hash_table_size(self->isupport) >= NC_ISUPPORT_MAX_KEYS)
        return;
    g_autofree char *value = negated ? NULL : isupport_value(eq ? eq + 1 : "");
    gboolean changed = g_strcmp0(old, value) != 0;
    if (negated)
        g_hash_table_remove(self->isupport, key);
    else
        g_hash_table_replace(self->isupport, g_strdup(key), g_steal_pointer(&value));
    if (changed && strcmp(key, "NETWORK") == 0)
        nc__client_notify_network_name(self);
}

static void h_isupport(NcClient *self, const NcIrcLine *l)
{
    for (guint i = 1; i + 1 < l->n_params; i++) {
        const char *tok = l->params[i];
        remember_isupport(self, tok);
        if (g_str_has_prefix(tok, "PREFIX="))
            nc_network_set_prefix(self->network, tok + 7);
        else if (g_str_has_prefix(tok, "CHANTYPES=")) {
            g_free(self->chantypes);
            self->chantypes = g_strdup(tok + 10);
        } else if (g_str_has_prefix(tok, "CHANMODES=")) {
            g_free(self->chanmodes);
            self->chanmodes = g_strdup(tok + 10);
        } else if (strcmp(tok, "WHOX") == 0) {
            self->whox = TRUE;
        } else {
            nc__client_history_isupport(self, tok);
        }
    }
}

static void h_nick_in_use(NcClient *self, const NcIrcLine *l)
{
    const char *taken = param(l, 1);
    if (self->state == NC_STATE_REGISTERING) {
        /* Registration cannot finish without a nick: try another at once. */
        g_autofree char *next = g_strconcat(self->nick, "_", NULL);
        g_autofree char *text = g_strdup_printf(_("Nick %s is in use, trying %s"), taken, next);
        nc__client_set_nick(self, next);
        nc__client_info(self, NULL, NC_MSG_STATUS, text);
        nc__client_send(self, "NICK %s", self->nick);
    } else {
        g_autofree char *text = g_strdup_printf(_("Nick %s is already in use"), taken);
        nc__client_set_error(self, text);
        nc__client_info(self, nc__client_current_buffer(self), NC_MSG_ERROR, text);
    }
}

static void h_ping(NcClient *self, const NcIrcLine *l)
{
    nc__client_send(self, "PONG :%s", param(l, l->n_params ? l->n_params - 1 : 0));
}

static void h_error(NcClient *self, const NcIrcLine *l)
{
    /* The server's goodbye after the client stopped (a refused login)
     * must not replace the reason it stopped for. */
    if (self->state == NC_STATE_DISCONNECTED && self->error)
        return;
    g_autofree char *text = g_strdup_printf(_("Server: %s"), param(l, 0));
    nc__client_set_error(self, text);
}

/* ---- accounts of others -------------------------------------------- */

/* What we know of nick's account ("" logged out), or NULL. */
static const char *known_account(NcClient *self, const char *nick)
{
    g_autofree char *folded = nc_irc_casefold(nick);
    return g_hash_table_lookup(self->accounts, folded);
}

/* nick's account is now account ("*" or "": none): remembered for the
 * member lists to come (NAMES), and set on every channel they are in. */
/* @nick's member entry in every channel we share with them (what is
 * learnt about a person shows in each), references held. */
static GPtrArray *members_named(NcClient *self, const char *nick)
{
    GPtrArray *members = g_ptr_array_new_with_free_func(g_object_unref);
    GListModel *buffers = nc_network_get_buffers(self->network);
    guint n = g_list_model_get_n_items(buffers);
    for (guint i = 1; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        NcMember *m =
            nc_buffer_get_kind(b) == NC_BUFFER_CHANNEL ? nc_buffer_find_member(b, nick) : NULL;
        if (m)
            g_ptr_array_add(members, g_object_ref(m));
    }
    return members;
}

static void learn_account(NcClient *self, const char *nick, const char *account)
{
    if (!nick || !account)
        return;
    const char *value = strcmp(account, "*") == 0 ? "" : account;
    g_hash_table_replace(self->accounts, nc_irc_casefold(nick), g_strdup(value));
    g_autoptr(GPtrArray) members = members_named(self, nick);
    for (guint i = 0; i < members->len; i++)
        nc_member_set_account(members->pdata[i], value);
}

static void add_member(NcClient *self, NcBuffer *b, const char *nick, const char *prefixes,
                       int rank)
{
    nc_buffer_add_member(b, nick, prefixes, rank);
    const char *account = known_account(self, nick);
    if (account)
        nc_member_set_account(nc_buffer_find_member(b, nick), account);
}

/* The WHOX query's token: its 354 replies are ours to read, not show. */
#define WHOX_TOKEN "361"

/* NAMES says nothing of accounts: who was in the channel before us is
 * asked with WHOX (nick and account only), when the server has it. */
static void ask_accounts(NcClient *self, const char *channel)
{
    if (!self->whox || !nc_client_has_cap(self, "account-notify"))
        return;
    g_hash_table_add(self->whox_asked, nc_irc_casefold(channel));
    nc__client_send(self, "WHO %s %%tna," WHOX_TOKEN, channel);
}

/* 354 <me> <token> <nick> <account>: "0" is no account. */
static gboolean whox_reply(NcClient *self, const NcIrcLine *l)
{
    if (l->n_params < 4 || strcmp(l->params[1], WHOX_TOKEN) != 0)
        return FALSE;
    learn_account(self, l->params[2], strcmp(l->params[3], "0") == 0 ? "" : l->params[3]);
    return TRUE;
}

/* 315 <me> <mask> :End of WHO: ours ends quietly. */
static gboolean whox_end(NcClient *self, const NcIrcLine *l)
{
    g_autofree char *folded = nc_irc_casefold(param(l, 1));
    return g_hash_table_remove(self->whox_asked, folded);
}

/* account-notify: ACCOUNT <name> (or * for logged out). */
static void h_account(NcClient *self, const NcIrcLine *l)
{
    if (l->nick && l->n_params >= 1)
        learn_account(self, l->nick, l->params[0]);
}

/* account-tag: a user's message says whether they are logged in. */
static void account_from_tag(NcClient *self, const NcIrcLine *l)
{
    if (!l->nick || !l->user || !nc_client_has_cap(self, "account-tag"))
        return;
    if (strcmp(l->command, "QUIT") == 0 || strcmp(l->command, "NICK") == 0)
        return; /* gone, or known under the old name */
    /* These carry the account in a parameter, which says it best. */
    if (strcmp(l->command, "ACCOUNT") == 0 ||
        (strcmp(l->command, "JOIN") == 0 && nc_client_has_cap(self, "extended-join")))
        return;
    const char *account = nc_irc_line_tag(l, "account");
    learn_account(self, l->nick, account ? account : "");
}

/* ---- away ----------------------------------------------------------- */

/* nick is away or back, as a member of every channel we share. */
static void learn_away(NcClient *self, const char *nick, gboolean away)
{
    if (!nick)
        return;
    if (!away) {
        /* Their next away message is news again. */
        g_autofree char *folded = nc_irc_casefold(nick);
        g_hash_table_remove(self->away_shown, folded);
    }
    g_autoptr(GPtrArray) members = members_named(self, nick);
    for (guint i = 0; i < members->len; i++)
        nc_member_set_away(members->pdata[i], away);
}

/* away-notify: AWAY :<message> (away) or AWAY (back). */
static void h_away(NcClient *self, const NcIrcLine *l)
{
    gboolean away = l->n_params >= 1 && *l->params[0];
    if (is_me(self, l->nick))
        nc__client_set_away(self, away);
    else
        learn_away(self, l->nick, away);
}

/* 305: we are back; 306: we are away. */
static void h_unaway(NcClient *self, const NcIrcLine *l)
{
    (void)l;
    nc__client_set_away(self, FALSE);
}

static void h_nowaway(NcClient *self, const NcIrcLine *l)
{
    (void)l;
    nc__client_set_away(self, TRUE);
}

/* Who asked a WHO still being answered (client-private.h, who_pending). */
#define WHO_OURS 'o'
#define WHO_THE_USER 'u'

static void who_asked(NcClient *self, const char *mask, char asker)
{
    g_autofree char *folded = nc_irc_casefold(mask);
    GString *queue = g_hash_table_lookup(self->who_pending, folded);
    if (!queue) {
        queue = g_string_new(NULL);
        g_hash_table_insert(self->who_pending, g_steal_pointer(&folded), queue);
    }
    g_string_append_c(queue, asker);
}

/* Who asked the WHO of mask the server answers now, 0 for no one known. */
static char who_answering(NcClient *self, const char *mask)
{
    g_autofree char *folded = nc_irc_casefold(mask);
    GString *queue = g_hash_table_lookup(self->who_pending, folded);
    return queue ? queue->str[0] : 0;
}

/* The WHO of mask answered now has ended: who asked it, 0 for no one known. */
static char who_answered(NcClient *self, const char *mask)
{
    g_autofree char *folded = nc_irc_casefold(mask);
    GString *queue = g_hash_table_lookup(self->who_pending, folded);
    if (!queue)
        return 0;
    char asker = queue->str[0];
    g_string_erase(queue, 0, 1);
    if (queue->len == 0)
        g_hash_table_remove(self->who_pending, folded);
    return asker;
}

/* A WHO costs a line per member: asked after joining only up to this
 * many; in bigger channels away-notify tells of changes from then on. */
#define AWAY_WHO_MAX_MEMBERS 100

/* Our JOIN: who is away there is asked once NAMES says how many they are
 * (away-notify keeps it true afterwards; without it, it would go stale). */
static void away_joined(NcClient *self, const char *channel)
{
    if (nc_client_has_cap(self, "away-notify"))
        g_hash_table_add(self->away_names_due, nc_irc_casefold(channel));
}

/* 366 for a channel just joined: a small one is asked with WHO. */
static void away_names_done(NcClient *self, NcBuffer *b)
{
    g_autofree char *folded = nc_irc_casefold(nc_buffer_get_name(b));
    if (!g_hash_table_remove(self->away_names_due, folded))
        return;
    if (g_list_model_get_n_items(nc_buffer_get_members(b)) > AWAY_WHO_MAX_MEMBERS)
        return;
    nc__client_send(self, "WHO %s", nc_buffer_get_name(b));
    who_asked(self, nc_buffer_get_name(b), WHO_OURS);
}

static void h_numeric(NcClient *self, const NcIrcLine *l);

/* 352 <me> <channel> <user> <host> <server> <nick> <H|G>[*][@+] :<hops> <real name>:
 * shown when the user asked, read quietly when we did. */
static void h_who_reply(NcClient *self, const NcIrcLine *l)
{
    const char *flags = param(l, 6);
    if (*flags == 'G' || *flags == 'H')
        learn_away(self, nc_irc_line_param(l, 5), *flags == 'G');
    if (who_answering(self, param(l, 1)) != WHO_OURS)
        h_numeric(self, l);
}

/* 315 <me> <mask> :End of WHO: ours ends quietly, the user's is shown. */
static gboolean away_who_end(NcClient *self, const NcIrcLine *l)
{
    return who_answered(self, param(l, 1)) == WHO_OURS;
}

void nc__client_user_line_sent(NcClient *self, const char *line)
{
    g_auto(GStrv) words = g_strsplit(line, " ", 3);
    if (words[0] && g_ascii_strcasecmp(words[0], "WHO") == 0 && words[1] && *words[1])
        who_asked(self, words[1], WHO_THE_USER);
}

/* ---- channel listing (/list) ---------------------------------------- */

/* Stop watching the complete listing (a weak pointer). */
static void listing_forget(NcClient *self)
{
    if (self->listing && !self->listing_held)
        g_object_remove_weak_pointer(G_OBJECT(self->listing), (gpointer *)&self->listing);
    self->listing = NULL;
}

static NcChannelList *listing_begin(NcClient *self)
{
    if (self->listing && self->listing_held)
        return self->listing;
    listing_forget(self);
    self->listing = nc_channel_list_new();
    self->listing_held = TRUE;
    g_signal_emit(self, nc__client_signals[NC_SIGNAL_CHANNEL_LIST], 0, self->listing);
    return self->listing;
}

void nc__client_listing_end(NcClient *self)
{
    if (!self->listing || !self->listing_held)
        return;
    NcChannelList *list = self->listing;
    nc_channel_list_finish(list);
    /* Complete: whoever shows it keeps it; when they let go it goes. */
    self->listing_held = FALSE;
    g_object_add_weak_pointer(G_OBJECT(list), (gpointer *)&self->listing);
    g_object_unref(list);
}

void nc__client_listing_release(NcClient *self)
{
    nc__client_listing_end(self);
    listing_forget(self);
}

/* 321 RPL_LISTSTART: a new listing (servers may leave it out). */
static void h_list_start(NcClient *self, const NcIrcLine *l)
{
    (void)l;
    nc__client_listing_end(self);
    listing_begin(self);
}

/* 322 RPL_LIST <me> <channel> <users> :<topic> */
static void h_list(NcClient *self, const NcIrcLine *l)
{
    guint64 users = g_ascii_strtoull(param(l, 2), NULL, 10);
    nc_channel_list_add(listing_begin(self), param(l, 1), (guint)MIN(users, G_MAXUINT),
                        param(l, 3));
}

/* 323 RPL_LISTEND */
static void h_list_end(NcClient *self, const NcIrcLine *l)
{
    (void)l;
    /* Even an empty answer is a listing: the window says "0 channels". */
    listing_begin(self);
    nc__client_listing_end(self);
}

/* ---- typing --------------------------------------------------------- */

/* TAGMSG with +typing (message-tags): in a channel, or to us in private. */
static void h_tagmsg(NcClient *self, const NcIrcLine *l)
{
    const char *value = nc_irc_line_tag(l, "+typing");
    if (!value || !l->nick || is_me(self, l->nick))
        return;
    const char *target = param(l, 0);
    NcBuffer *b = nc_network_find_buffer(
        self->network, nc_irc_is_channel(target, self->chantypes) ? target : l->nick);
    if (b)
        nc__client_typing_heard(self, b, l->nick, nc_typing_state_from_value(value));
}

/* ---- channels ------------------------------------------------------- */

static void h_join(NcClient *self, const NcIrcLine *l)
{
    const char *chan = param(l, 0);
    NcBuffer *b = nc__client_buffer(self, NC_BUFFER_CHANNEL, chan);
    gboolean me = is_me(self, l->nick);
    /* What was missed is what came after the newest line held before
     * this JOIN (client-history.c). */
    g_autofree char *missed = me ? nc__client_history_anchor(self, b) : NULL;
    if (me) {
        nc_buffer_set_joined(b, TRUE);
        nc_buffer_clear_members(b);
        nc__client_want_channel(self, chan);
        g_autofree char *folded = nc_irc_casefold(chan);
        /* Show the channel the user asked for; an autojoin takes the view
         * only from the server tab (never from a conversation). */
        gboolean asked = g_hash_table_remove(self->focus_on_join, folded);
        ask_accounts(self, chan);
        away_joined(self, chan);
        NcBuffer *current = nc__client_current_buffer(self);
        if (asked ||
            (nc_buffer_get_kind(current) == NC_BUFFER_SERVER && nc_buffer_get_active(current)))
            g_signal_emit(self, nc__client_signals[NC_SIGNAL_FOCUS_BUFFER], 0, b);
    } else {
        add_member(self, b, l->nick, "", G_MAXINT);
    }
    /* extended-join: JOIN #chan <account> :<real name>. */
    if (nc_client_has_cap(self, "extended-join") && l->n_params >= 3)
        learn_account(self, l->nick, l->params[1]);
    add_line(self, b, l);
    if (me)
        nc__client_back_in(self, b);
    if (me)
        nc__client_history_joined(self, b, missed);
}

static void h_part(NcClient *self, const NcIrcLine *l)
{
    NcBuffer *b = nc_network_find_buffer(self->network, param(l, 0));
    if (!b)
        return;
    add_line(self, b, l);
    if (is_me(self, l->nick)) {
        nc_buffer_set_joined(b, FALSE);
        nc_buffer_clear_members(b);
        nc__client_forget_channel(self, param(l, 0));
    } else {
        nc_buffer_remove_member(b, l->nick);
        nc__client_typing_heard(self, b, l->nick, NC_TYPING_DONE);
    }
}

static void h_kick(NcClient *self, const NcIrcLine *l)
{
    NcBuffer *b = nc_network_find_buffer(self->network, param(l, 0));
    if (!b)
        return;
    const char *victim = param(l, 1);
    add_line(self, b, l);
    if (is_me(self, victim)) {
        g_autofree char *text =
            g_strdup_printf(_("%s was kicked by %s (%s)"), victim, l->nick, param(l, 2));
        nc_buffer_set_joined(b, FALSE);
        nc_buffer_clear_members(b);
        nc__client_forget_channel(self, param(l, 0));
        nc__client_set_error(self, text);
    } else {
        nc_buffer_remove_member(b, victim);
    }
}

static void h_quit(NcClient *self, const NcIrcLine *l)
{
    g_autofree char *folded = nc_irc_casefold(l->nick ? l->nick : "");
    g_hash_table_remove(self->accounts, folded);
    g_hash_table_remove(self->away_shown, folded);
    if (l->nick)
        nc__client_typing_renamed(self, l->nick, NULL);
    GListModel *buffers = nc_network_get_buffers(self->network);
    guint n = g_list_model_get_n_items(buffers);
    for (guint i = 1; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        gboolean here = nc_buffer_get_kind(b) == NC_BUFFER_CHANNEL
                            ? nc_buffer_remove_member(b, l->nick)
                            : nc_irc_name_equal(nc_buffer_get_name(b), l->nick);
        if (here)
            add_line(self, b, l);
    }
}

static void h_nick(NcClient *self, const NcIrcLine *l)
{
    const char *to = param(l, 0);
    g_autofree char *text = g_strdup_printf(_("%s is now known as %s"), l->nick, to);
    g_autofree char *old_key = nc_irc_casefold(l->nick ? l->nick : "");
    char *stolen_key = NULL, *account = NULL;
    if (g_hash_table_steal_extended(self->accounts, old_key, (gpointer *)&stolen_key,
                                    (gpointer *)&account)) {
        g_free(stolen_key);
        g_hash_table_replace(self->accounts, nc_irc_casefold(to), account);
    }
    if (l->nick)
        nc__client_typing_renamed(self, l->nick, to);
    if (is_me(self, l->nick)) {
        g_free(self->wanted_nick);
        self->wanted_nick = g_strdup(to);
        nc__client_set_nick(self, to);
        nc__client_info(self, NULL, NC_MSG_NICK, text);
    }
    GListModel *buffers = nc_network_get_buffers(self->network);
    guint n = g_list_model_get_n_items(buffers);
    for (guint i = 1; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        gboolean here = FALSE;
        if (nc_buffer_get_kind(b) == NC_BUFFER_CHANNEL) {
            here = nc_buffer_rename_member(b, l->nick, to);
        } else if (nc_irc_name_equal(nc_buffer_get_name(b), l->nick)) {
            nc_buffer_set_name(b, to);
            here = TRUE;
        }
        if (here)
            add_line(self, b, l);
    }
}

static void h_topic(NcClient *self, const NcIrcLine *l)
{
    NcBuffer *b = nc_network_find_buffer(self->network, param(l, 0));
    if (!b)
        return;
    nc_buffer_set_topic(b, param(l, 1));
    add_line(self, b, l);
}

static void h_rpl_topic(NcClient *self, const NcIrcLine *l)
{
    NcBuffer *b = nc_network_find_buffer(self->network, param(l, 1));
    if (b)
        nc_buffer_set_topic(b, param(l, 2));
}

/* "@+nick" or "@nick!user@host" (userhost-in-names) -> prefixes + nick. */
static void add_names_entry(NcClient *self, NcBuffer *b, const char *entry)
{
    const char *symbols = nc_network_get_prefix_symbols(self->network);
    const char *p = entry;
    while (*p && strchr(symbols, *p))
        p++;
    if (!*p)
        return;
    g_autofree char *prefixes = g_strndup(entry, (gsize)(p - entry));
    const char *bang = strchr(p, '!');
    g_autofree char *nick = bang ? g_strndup(p, (gsize)(bang - p)) : g_strdup(p);
    /* Keep the symbols in rank order whatever order the server sent. */
    GString *ordered = g_string_new(NULL);
    for (const char *s = symbols; *s; s++)
        if (strchr(prefixes, *s))
            g_string_append_c(ordered, *s);
    int rank = ordered->len ? nc_network_prefix_rank(self->network, ordered->str[0]) : G_MAXINT;
    add_member(self, b, nick, ordered->str, rank);
    g_string_free(ordered, TRUE);
}

static GHashTable *names_in_progress(NcClient *self)
{
    return g_object_get_data(G_OBJECT(self), "nc-names");
}

static void h_namreply(NcClient *self, const NcIrcLine *l)
{
    NcBuffer *b = nc_network_find_buffer(self->network, param(l, 2));
    if (!b)
        return;
    GHashTable *pending = names_in_progress(self);
    if (!pending) {
        pending = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, NULL);
        g_object_set_data_full(G_OBJECT(self), "nc-names", pending,
                               (GDestroyNotify)g_hash_table_unref);
    }
    /* A fresh NAMES listing replaces the member list. */
    if (!g_hash_table_contains(pending, b)) {
        g_hash_table_add(pending, b);
        nc_buffer_clear_members(b);
    }
    g_auto(GStrv) entries = g_strsplit(param(l, 3), " ", -1);
    for (guint i = 0; entries[i]; i++)
        if (*entries[i])
            add_names_entry(self, b, entries[i]);
}

static void h_endofnames(NcClient *self, const NcIrcLine *l)
{
    NcBuffer *b = nc_network_find_buffer(self->network, param(l, 1));
    GHashTable *pending = names_in_progress(self);
    if (b && pending)
        g_hash_table_remove(pending, b);
    if (b)
        away_names_done(self, b);
}

/* Which channel modes take a parameter, from CHANMODES=A,B,C,D: A and B
 * always, C only when set, D never. */
static gboolean mode_takes_arg(NcClient *self, char mode, gboolean adding)
{
    if (nc_network_prefix_mode_to_symbol(self->network, mode))
        return TRUE;
    g_auto(GStrv) groups =
        g_strsplit(self->chanmodes ? self->chanmodes : "beI,k,l,imnpst", ",", -1);
    guint n = g_strv_length(groups);
    if (n > 0 && strchr(groups[0], mode))
        return TRUE;
    if (n > 1 && strchr(groups[1], mode))
        return TRUE;
    if (n > 2 && strchr(groups[2], mode))
        return adding;
    return FALSE;
}

static void update_prefix(NcClient *self, NcBuffer *b, const char *nick, char symbol,
                          gboolean adding)
{
    NcMember *m = nc_buffer_find_member(b, nick);
    if (!m)
        return;
    const char *symbols = nc_network_get_prefix_symbols(self->network);
    const char *have = nc_member_get_prefixes(m);
    GString *next = g_string_new(NULL);
    for (const char *s = symbols; *s; s++) {
        gboolean held = strchr(have, *s) != NULL;
        if (*s == symbol)
            held = adding;
        if (held)
            g_string_append_c(next, *s);
    }
    int rank = next->len ? nc_network_prefix_rank(self->network, next->str[0]) : G_MAXINT;
    g_autofree char *keep = g_strdup(nc_member_get_nick(m));
    nc_buffer_add_member(b, keep, next->str, rank);
    g_string_free(next, TRUE);
}

static void h_mode(NcClient *self, const NcIrcLine *l)
{
    const char *target = param(l, 0);
    NcBuffer *b = nc_network_find_buffer(self->network, target);
    if (!b) {
        add_line(self, nc_network_get_server_buffer(self->network), l);
        return;
    }
    gboolean adding = TRUE;
    guint arg = 2;
    for (const char *m = param(l, 1); *m; m++) {
        if (*m == '+' || *m == '-') {
            adding = *m == '+';
            continue;
        }
        const char *value = NULL;
        if (mode_takes_arg(self, *m, adding))
            value = nc_irc_line_param(l, arg++);
        char symbol = nc_network_prefix_mode_to_symbol(self->network, *m);
        if (symbol && value)
            update_prefix(self, b, value, symbol, adding);
    }
    add_line(self, b, l);
}

/* ---- messages ------------------------------------------------------- */

static void h_message(NcClient *self, const NcIrcLine *l)
{
    const char *target = param(l, 0);
    gboolean notice = strcmp(l->command, "NOTICE") == 0;
    g_autofree char *ctcp = NULL;
    if (nc_irc_line_ctcp(l, &ctcp)) {
        if (!notice && g_str_has_prefix(ctcp, "VERSION") && l->nick)
            nc__client_send(self, "NOTICE %s :\001VERSION natter " NT_VERSION "\001", l->nick);
        else if (!notice && g_str_has_prefix(ctcp, "PING") && l->nick)
            nc__client_send(self, "NOTICE %s :%s", l->nick, param(l, 1));
        return; /* other CTCP requests are not conversation */
    }
    NcBuffer *b;
    gboolean from_server = !l->nick || !l->user || self->state != NC_STATE_CONNECTED;
    if (nc_irc_is_channel(target, self->chantypes))
        b = nc__client_buffer(self, NC_BUFFER_CHANNEL, target);
    else if (notice && from_server)
        b = nc_network_get_server_buffer(self->network);
    else if (is_me(self, l->nick))
        b = nc__client_buffer(self, NC_BUFFER_QUERY, target); /* our echo */
    else if (notice)
        b = nc_network_find_buffer(self->network, l->nick)
                ? nc_network_find_buffer(self->network, l->nick)
                : nc__client_current_buffer(self);
    else
        b = nc__client_buffer(self, NC_BUFFER_QUERY, l->nick);
    add_line(self, b, l);
    /* Their line is what they were typing. */
    if (l->nick && !is_me(self, l->nick))
        nc__client_typing_heard(self, b, l->nick, NC_TYPING_DONE);
}

/* ---- WHOIS ---------------------------------------------------------- */

/* The answer being gathered about nick; created by the numerics that
 * start one (any but 301, which also answers a message to someone away). */
static NcWhois *whois_for(NcClient *self, const char *nick, gboolean create)
{
    g_autofree char *folded = nc_irc_casefold(nick);
    NcWhois *w = g_hash_table_lookup(self->whois, folded);
    if (!w && create) {
        w = nc_whois_new(nick);
        g_hash_table_insert(self->whois, g_steal_pointer(&folded), w);
    }
    return w;
}

static void h_whois_reply(NcClient *self, const NcIrcLine *l)
{
    const char *nick = nc_irc_line_param(l, 1);
    if (!nick)
        return;
    int code = atoi(l->command);
    NcWhois *w = whois_for(self, nick, code != 301);
    if (!w)
        return;
    switch (code) {
    case 311: /* <me> <nick> <user> <host> * :<real name> */
        nc_whois_set_user(w, nick, param(l, 2), param(l, 3), param(l, l->n_params - 1));
        break;
    case 312: /* <me> <nick> <server> :<info> */
        nc_whois_set_server(w, param(l, 2));
        break;
    case 313:
        nc_whois_set_operator(w, TRUE);
        break;
    case 317: /* <me> <nick> <idle> <signon> :... */
        nc_whois_set_idle(w, g_ascii_strtoll(param(l, 2), NULL, 10));
        break;
    case 319:
        nc_whois_add_channels(w, param(l, l->n_params - 1));
        break;
    case 301:
        nc_whois_set_away(w, param(l, l->n_params - 1));
        break;
    case 330: /* <me> <nick> <account> :is logged in as */
        nc_whois_set_account(w, param(l, 2));
        learn_account(self, nick, param(l, 2));
        break;
    case 671:
        nc_whois_set_secure(w, TRUE);
        break;
    default:
        break;
    }
}

static void h_end_of_whois(NcClient *self, const NcIrcLine *l)
{
    const char *nick = param(l, 1);
    g_autofree char *folded = nc_irc_casefold(nick);
    char *stolen_key = NULL;
    NcWhois *w = NULL;
    if (!g_hash_table_steal_extended(self->whois, folded, (gpointer *)&stolen_key, (gpointer *)&w))
        return;
    g_free(stolen_key);
    /* Found, and not logged in: that is an answer too. */
    if (nc_whois_get_found(w) && !nc_whois_get_account(w))
        learn_account(self, nc_whois_get_nick(w), "");
    g_signal_emit(self, nc__client_signals[NC_SIGNAL_WHOIS], 0, w);
    g_object_unref(w);
}

/* 301 <me> <nick> :<message>: part of a WHOIS answer, or the server's
 * reply to a message to someone away, which comes with every line: it is
 * said once per away message, in the conversation with them. */
static void h_rpl_away(NcClient *self, const NcIrcLine *l)
{
    const char *nick = nc_irc_line_param(l, 1);
    if (!nick || l->n_params < 3)
        return;
    const char *message = param(l, l->n_params - 1);
    learn_away(self, nick, TRUE);
    if (whois_for(self, nick, FALSE)) {
        h_whois_reply(self, l);
        h_numeric(self, l);
        return;
    }
    g_autofree char *folded = nc_irc_casefold(nick);
    if (g_strcmp0(g_hash_table_lookup(self->away_shown, folded), message) == 0)
        return;
    g_hash_table_replace(self->away_shown, g_steal_pointer(&folded), g_strdup(message));
    NcBuffer *b = nc_network_find_buffer(self->network, nick);
    g_autofree char *text = g_strdup_printf(_("%s is away: %s"), nick, message);
    event(self, b ? b : nc__client_current_buffer(self), l, NC_MSG_SERVER, text);
}

/* ---- numerics shown as text ----------------------------------------- */

static void h_numeric(NcClient *self, const NcIrcLine *l)
{
    int code = atoi(l->command);
    /* Our WHOX (accounts) and WHO (away) answers, in the order asked. */
    if ((code == 354 && whox_reply(self, l)) ||
        (code == 315 && (whox_end(self, l) || away_who_end(self, l))))
        return;
    g_autofree char *text = join_params(l, 1);
    /* 422 (no MOTD) is an error code for a normal condition. */
    gboolean error = code >= 400 && code < 600 && code != 422;
    /* Replies to something the user just did belong where they are looking. */
    gboolean answer = error || (code >= 301 && code <= 319) || code == 330 || code == 341 ||
                      code == 305 || code == 306 || code == 671;
    NcBuffer *b = answer && self->state == NC_STATE_CONNECTED
                      ? nc__client_current_buffer(self)
                      : nc_network_get_server_buffer(self->network);
    event(self, b, l, error ? NC_MSG_ERROR : NC_MSG_SERVER, text);
}

/* One table: the command, what it does, and whether the numeric is also
 * shown as text (WHOIS replies are both a card and lines). */
static const struct {
    const char *command;
    Handler handler;
    gboolean shown;
} handlers[] = {
    {"PING", h_ping, FALSE},
    {"PONG", NULL, FALSE},
    {"CAP", h_cap, FALSE},
    {"001", h_welcome, FALSE},
    {"005", h_isupport, TRUE},
    {"433", h_nick_in_use, FALSE},
    {"432", h_nick_in_use, FALSE},
    {"437", h_nick_in_use, FALSE},
    {"ERROR", h_error, FALSE},
    {"JOIN", h_join, FALSE},
    {"PART", h_part, FALSE},
    {"KICK", h_kick, FALSE},
    {"QUIT", h_quit, FALSE},
    {"NICK", h_nick, FALSE},
    {"TOPIC", h_topic, FALSE},
    {"332", h_rpl_topic, FALSE},
    {"333", NULL, FALSE},
    {"353", h_namreply, FALSE},
    {"366", h_endofnames, FALSE},
    {"MODE", h_mode, FALSE},
    {"PRIVMSG", h_message, FALSE},
    {"NOTICE", h_message, FALSE},
    {"INVITE", nc__client_h_invite, FALSE},
    {"ACCOUNT", h_account, FALSE},
    {"MARKREAD", nc__client_h_markread, FALSE},
    {"TAGMSG", h_tagmsg, FALSE},
    {"376", nc__client_history_burst_end, TRUE},
    {"422", nc__client_history_burst_end, TRUE},
    {"AUTHENTICATE", nc__client_h_authenticate, FALSE},
    {"REGISTER", nc__client_h_register, FALSE},
    {"FAIL", nc__client_h_fail, FALSE},
    {"900", nc__client_h_sasl_numeric, FALSE},
    {"901", nc__client_h_sasl_numeric, FALSE},
    {"902", nc__client_h_sasl_numeric, FALSE},
    {"903", nc__client_h_sasl_numeric, FALSE},
    {"904", nc__client_h_sasl_numeric, FALSE},
    {"905", nc__client_h_sasl_numeric, FALSE},
    {"906", nc__client_h_sasl_numeric, FALSE},
    {"907", nc__client_h_sasl_numeric, FALSE},
    {"908", nc__client_h_sasl_numeric, FALSE},
    {"301", h_rpl_away, FALSE},
    {"305", h_unaway, TRUE},
    {"306", h_nowaway, TRUE},
    {"352", h_who_reply, FALSE},
    {"AWAY", h_away, FALSE},
    {"321", h_list_start, FALSE},
    {"322", h_list, FALSE},
    {"323", h_list_end, FALSE},
    {"311", h_whois_reply, TRUE},
    {"312", h_whois_reply, TRUE},
    {"313", h_whois_reply, TRUE},
    {"317", h_whois_reply, TRUE},
    {"319", h_whois_reply, TRUE},
    {"330", h_whois_reply, TRUE},
    {"671", h_whois_reply, TRUE},
    {"318", h_end_of_whois, TRUE},
};

void nc__client_dispatch(NcClient *self, const NcIrcLine *l)
{
    /* Batches, and the server's history inside them, first. */
    if (nc__client_history_line(self, l))
        return;
    if (nc__client_ignored(self, l))
        return;
    gboolean known = FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(handlers) && !known; i++) {
        if (strcmp(handlers[i].command, l->command) == 0) {
            known = TRUE;
            if (handlers[i].handler)
                handlers[i].handler(self, l);
            if (handlers[i].shown)
                h_numeric(self, l);
        }
    }
    if (!known && g_ascii_isdigit(l->command[0]))
        h_numeric(self, l);
    /* After the handler: a JOIN's member exists by now. */
    account_from_tag(self, l);
}
