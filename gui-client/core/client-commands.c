/* SPDX-License-Identifier: MIT */
/* The everyday commands that are more than one line to the server (/help,
 * /notice, /invite, /kick, /ban, /mode, /op and friends, /clear,
 * /reconnect) and /ignore: the list, and dropping what ignored senders
 * say before it reaches a buffer. */
#include "client-private.h"

#include <glib/gi18n.h>
#include <string.h>

/* Channel mode changes per MODE line: ISUPPORT MODES is 3 or more on
 * every server we know, and 3 is what RFC 1459 allows. */
#define MODES_PER_LINE 3

void nc_client_set_ignore_list(NcClient *self, NcIgnoreList *list)
{
    if (list)
        g_set_object(&self->ignore, list);
}

NcIgnoreList *nc_client_get_ignore_list(NcClient *self)
{
    return self->ignore;
}

gboolean nc__client_ignored(NcClient *self, const NcIrcLine *l)
{
    if (!l->nick || nc_irc_name_equal(l->nick, self->nick))
        return FALSE;
    /* A server's own notices ("irc.example.net", no user or host) are
     * not someone to ignore. */
    if (!l->user && !l->host && strchr(l->nick, '.'))
        return FALSE;
    /* TAGMSG: an ignored sender's typing is not shown either. */
    if (strcmp(l->command, "PRIVMSG") != 0 && strcmp(l->command, "NOTICE") != 0 &&
        strcmp(l->command, "INVITE") != 0 && strcmp(l->command, "TAGMSG") != 0)
        return FALSE;
    return nc_ignore_list_matches(self->ignore, l->nick, l->user, l->host);
}

void nc__client_h_invite(NcClient *self, const NcIrcLine *l)
{
    const char *channel = nc_irc_line_param(l, 1);
    if (!l->nick || !channel)
        return;
    g_autofree char *text =
        g_strdup_printf(_("%s invites you to %s (/join %s)"), l->nick, channel, channel);
    nc__client_info(self, nc__client_current_buffer(self), NC_MSG_STATUS, text);
}

/* One of natter's own lines in buffer: shown, not logged (it is not
 * part of the conversation). */
static void show(NcClient *self, NcBuffer *buffer, NcMessageKind kind, const char *text)
{
    g_autoptr(NcMessage) msg =
        nc_message_new(g_get_real_time(), kind, NC_MSG_FLAG_NONE, NULL, text);
    nc_buffer_append(buffer ? buffer : nc_network_get_server_buffer(self->network), msg);
}

static gboolean fail(GError **error, const char *text)
{
    g_set_error_literal(error, NC_INPUT_ERROR, 2, text);
    return FALSE;
}

/* "Usage: ..." for command, then why. */
static gboolean fail_usage(GError **error, const char *command, const char *why)
{
    g_autofree char *usage = nc_command_usage(command);
    g_autofree char *text = g_strdup_printf("%s (%s)", usage, why);
    return fail(error, text);
}

/* The channel buffer is, or fail saying command works in channels only. */
static const char *need_channel(NcBuffer *buffer, const char *command, GError **error)
{
    const char *chan = nc__client_channel_or_current(buffer, NULL);
    if (!chan)
        fail_usage(error, command, _("in a channel's tab"));
    return chan;
}

static void help(NcClient *self, NcBuffer *buffer, const char *name)
{
    g_auto(GStrv) lines = nc_command_help(name);
    if (!lines) {
        g_autofree char *text =
            g_strdup_printf(_("/%s is not a natter command: /help lists them"), name);
        show(self, buffer, NC_MSG_ERROR, text);
        return;
    }
    for (guint i = 0; lines[i]; i++)
        show(self, buffer, NC_MSG_STATUS, lines[i]);
}

static gboolean notice(NcClient *self, const NcCommand *cmd, GError **error)
{
    if (!nc__client_need_connection(self, error))
        return FALSE;
    gsize budget = nc_split_budget(self->nick, NULL, NULL, "NOTICE", cmd->target);
    g_autoptr(GPtrArray) pieces = nc_split_text(cmd->text, budget);
    NcBuffer *shown = nc_network_find_buffer(self->network, cmd->target);
    for (guint i = 0; i < pieces->len; i++) {
        const char *piece = pieces->pdata[i];
        nc__client_send(self, "NOTICE %s :%s", cmd->target, piece);
        if (shown && !nc_client_has_cap(self, "echo-message")) {
            g_autoptr(NcMessage) msg = nc_message_new(g_get_real_time(), NC_MSG_NOTICE,
                                                      NC_MSG_FLAG_SELF, self->nick, piece);
            nc__client_add(self, shown, msg);
        }
    }
    return TRUE;
}

static gboolean invite(NcClient *self, NcBuffer *buffer, const NcCommand *cmd, GError **error)
{
    const char *chan = nc__client_channel_or_current(buffer, cmd->text);
    if (!chan)
        return fail_usage(error, "invite", _("name the channel outside a channel's tab"));
    if (!nc_irc_is_channel(chan, self->chantypes))
        return fail_usage(error, "invite", _("the second word must be a channel"));
    if (!nc__client_need_connection(self, error))
        return FALSE;
    nc__client_send(self, "INVITE %s %s", cmd->target, chan);
    return TRUE;
}

static gboolean kick(NcClient *self, NcBuffer *buffer, const NcCommand *cmd, GError **error)
{
    const char *chan = need_channel(buffer, "kick", error);
    if (!chan || !nc__client_need_connection(self, error))
        return FALSE;
    if (cmd->text)
        nc__client_send(self, "KICK %s %s :%s", chan, cmd->target, cmd->text);
    else
        nc__client_send(self, "KICK %s %s", chan, cmd->target);
    return TRUE;
}

static gboolean ban(NcClient *self, NcBuffer *buffer, const NcCommand *cmd, GError **error)
{
    const char *chan = need_channel(buffer, "ban", error);
    if (!chan)
        return FALSE;
    /* A nick alone becomes nick!*@*; a mask is completed the same way. */
    g_autofree char *mask = nc_ignore_mask_normalize(cmd->target);
    if (!mask)
        return fail_usage(error, "ban", _("not a nick or nick!user@host mask"));
    if (!nc__client_need_connection(self, error))
        return FALSE;
    nc__client_send(self, "MODE %s +b %s", chan, mask);
    return TRUE;
}

static gboolean mode(NcClient *self, NcBuffer *buffer, const NcCommand *cmd, GError **error)
{
    const char *target = nc__client_channel_or_current(buffer, cmd->target);
    if (!target)
        target = self->nick; /* user modes, from the server tab or a query */
    if (!nc__client_need_connection(self, error))
        return FALSE;
    if (cmd->text)
        nc__client_send(self, "MODE %s %s", target, cmd->text);
    else
        nc__client_send(self, "MODE %s", target);
    return TRUE;
}

/* /op, /deop, /voice, /devoice: sign and letter for each nick, three to a line. */
static gboolean member_mode(NcClient *self, NcBuffer *buffer, const NcCommand *cmd, GError **error)
{
    static const struct {
        NcCommandKind kind;
        const char *name;
        const char *change;
    } kinds[] = {
        {NC_CMD_OP, "op", "+o"},
        {NC_CMD_DEOP, "deop", "-o"},
        {NC_CMD_VOICE, "voice", "+v"},
        {NC_CMD_DEVOICE, "devoice", "-v"},
    };
    gsize k = 0;
    while (k + 1 < G_N_ELEMENTS(kinds) && kinds[k].kind != cmd->kind)
        k++;
    const char *chan = need_channel(buffer, kinds[k].name, error);
    if (!chan || !nc__client_need_connection(self, error))
        return FALSE;
    g_auto(GStrv) nicks = g_strsplit(cmd->text, " ", -1);
    GPtrArray *batch = g_ptr_array_new();
    for (guint i = 0; nicks[i]; i++) {
        if (*nicks[i])
            g_ptr_array_add(batch, nicks[i]);
        if (batch->len == MODES_PER_LINE || (!nicks[i + 1] && batch->len > 0)) {
            GString *modes = g_string_new(kinds[k].change);
            for (guint j = 1; j < batch->len; j++)
                g_string_append_c(modes, kinds[k].change[1]);
            g_ptr_array_add(batch, NULL);
            g_autofree char *who = g_strjoinv(" ", (char **)batch->pdata);
            nc__client_send(self, "MODE %s %s %s", chan, modes->str, who);
            g_string_free(modes, TRUE);
            g_ptr_array_set_size(batch, 0);
        }
    }
    g_ptr_array_unref(batch);
    return TRUE;
}

static gboolean ignore(NcClient *self, NcBuffer *buffer, const NcCommand *cmd, GError **error)
{
    if (!cmd->target) {
        const char *const *masks = nc_ignore_list_get_masks(self->ignore);
        if (!masks[0]) {
            show(self, buffer, NC_MSG_STATUS, _("You are not ignoring anyone"));
            return TRUE;
        }
        show(self, buffer, NC_MSG_STATUS, _("Ignoring (/unignore mask to stop):"));
        for (guint i = 0; masks[i]; i++)
            show(self, buffer, NC_MSG_STATUS, masks[i]);
        return TRUE;
    }
    g_autofree char *mask = NULL;
    gboolean added = nc_ignore_list_add(self->ignore, cmd->target, &mask);
    if (!mask)
        return fail_usage(error, "ignore", _("not a nick or nick!user@host mask"));
    g_autofree char *text =
        added ? g_strdup_printf(_("Ignoring %s: nothing they send you will be shown"), mask)
              : g_strdup_printf(_("Already ignoring %s"), mask);
    show(self, buffer, NC_MSG_STATUS, text);
    return TRUE;
}

static gboolean unignore(NcClient *self, NcBuffer *buffer, const NcCommand *cmd, GError **error)
{
    g_autofree char *mask = NULL;
    if (!nc_ignore_list_remove(self->ignore, cmd->target, &mask)) {
        g_autofree char *text = g_strdup_printf(
            _("%s is not being ignored (/ignore lists whom you ignore)"), cmd->target);
        return fail(error, text);
    }
    g_autofree char *text = g_strdup_printf(_("No longer ignoring %s"), mask);
    show(self, buffer, NC_MSG_STATUS, text);
    return TRUE;
}

static void reconnect(NcClient *self)
{
    g_autofree char *text = g_strdup_printf(_("Reconnecting to %s…"), self->host);
    if (self->state == NC_STATE_REGISTERING || self->state == NC_STATE_CONNECTED) {
        nc__client_send(self, "QUIT :%s", _("Reconnecting"));
        nc_io_close(self->io, TRUE);
    } else if (self->state == NC_STATE_CONNECTING) {
        nc_io_close(self->io, FALSE);
    }
    nc__client_info(self, NULL, NC_MSG_STATUS, text);
    g_clear_pointer(&self->tls_summary, g_free);
    self->attempts = 0;
    /* A new connection (a new generation): the old one's close is not news. */
    nc__client_restart(self);
}

gboolean nc__client_command(NcClient *self, NcBuffer *buffer, const NcCommand *cmd, GError **error)
{
    switch (cmd->kind) {
    case NC_CMD_HELP:
        help(self, buffer, cmd->target);
        return TRUE;
    case NC_CMD_NOTICE:
        return notice(self, cmd, error);
    case NC_CMD_INVITE:
        return invite(self, buffer, cmd, error);
    case NC_CMD_KICK:
        return kick(self, buffer, cmd, error);
    case NC_CMD_BAN:
        return ban(self, buffer, cmd, error);
    case NC_CMD_MODE:
        return mode(self, buffer, cmd, error);
    case NC_CMD_OP:
    case NC_CMD_DEOP:
    case NC_CMD_VOICE:
    case NC_CMD_DEVOICE:
        return member_mode(self, buffer, cmd, error);
    case NC_CMD_IGNORE:
        return ignore(self, buffer, cmd, error);
    case NC_CMD_UNIGNORE:
        return unignore(self, buffer, cmd, error);
    case NC_CMD_CLEAR:
        nc_buffer_clear_messages(buffer ? buffer : nc_network_get_server_buffer(self->network));
        return TRUE;
    case NC_CMD_RECONNECT:
        reconnect(self);
        return TRUE;
    case NC_CMD_SAY:
    case NC_CMD_JOIN:
    case NC_CMD_PART:
    case NC_CMD_MSG:
    case NC_CMD_QUERY:
    case NC_CMD_ME:
    case NC_CMD_NICK:
    case NC_CMD_TOPIC:
    case NC_CMD_WHOIS:
    case NC_CMD_NAMES:
    case NC_CMD_AWAY:
    case NC_CMD_BACK:
    case NC_CMD_LIST:
    case NC_CMD_QUIT:
    case NC_CMD_CLOSE:
    case NC_CMD_QUOTE:
    case NC_CMD_OTHER:
        break;
    }
    return fail(error, _("Not a command natter runs here"));
}
