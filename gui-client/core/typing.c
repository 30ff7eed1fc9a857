/* SPDX-License-Identifier: MIT */
/* natter core: typing notifications (the +typing client tag). */
#include "typing.h"

#include "irc-line.h"

#include <glib/gi18n.h>
#include <string.h>

const char *nc_typing_state_to_value(NcTypingState state)
{
    switch (state) {
    case NC_TYPING_ACTIVE:
        return "active";
    case NC_TYPING_PAUSED:
        return "paused";
    case NC_TYPING_DONE:
        return "done";
    case NC_TYPING_NONE:
        break;
    }
    return NULL;
}

NcTypingState nc_typing_state_from_value(const char *value)
{
    if (g_strcmp0(value, "active") == 0)
        return NC_TYPING_ACTIVE;
    if (g_strcmp0(value, "paused") == 0)
        return NC_TYPING_PAUSED;
    if (g_strcmp0(value, "done") == 0)
        return NC_TYPING_DONE;
    return NC_TYPING_NONE;
}

/* ---- ours ----------------------------------------------------------- */

struct _NcTypingOut {
    NcTypingState said; /* NONE (idle or done), ACTIVE or PAUSED */
    gint64 active_said_us;
    gint64 changed_us;
};

NcTypingOut *nc_typing_out_new(void)
{
    return g_new0(NcTypingOut, 1);
}

void nc_typing_out_free(NcTypingOut *out)
{
    g_free(out);
}

NcTypingState nc_typing_out_changed(NcTypingOut *out, gboolean has_text, gint64 now_us)
{
    if (!has_text) {
        if (out->said == NC_TYPING_NONE)
            return NC_TYPING_NONE;
        out->said = NC_TYPING_NONE;
        return NC_TYPING_DONE;
    }
    out->changed_us = now_us;
    /* Receivers expire "active" after 6 s: repeating it every 3 s keeps
     * it standing without a line per key press. */
    if (out->said != NC_TYPING_ACTIVE || now_us - out->active_said_us >= NC_TYPING_ACTIVE_EVERY_US) {
        out->said = NC_TYPING_ACTIVE;
        out->active_said_us = now_us;
        return NC_TYPING_ACTIVE;
    }
    return NC_TYPING_NONE;
}

NcTypingState nc_typing_out_tick(NcTypingOut *out, gint64 now_us)
{
    if (out->said == NC_TYPING_ACTIVE && now_us - out->changed_us >= NC_TYPING_PAUSE_AFTER_US) {
        out->said = NC_TYPING_PAUSED;
        return NC_TYPING_PAUSED;
    }
    return NC_TYPING_NONE;
}

void nc_typing_out_reset(NcTypingOut *out)
{
    memset(out, 0, sizeof *out);
}

gboolean nc_typing_out_is_active(NcTypingOut *out)
{
    return out->said == NC_TYPING_ACTIVE;
}

/* ---- theirs --------------------------------------------------------- */

typedef struct {
    char *nick;
    gint64 expires_us;
} Typist;

struct _NcTypingPeers {
    GArray *typists; /* Typist, in the order they started */
};

static void typist_clear(gpointer data)
{
    g_free(((Typist *)data)->nick);
}

NcTypingPeers *nc_typing_peers_new(void)
{
    NcTypingPeers *peers = g_new0(NcTypingPeers, 1);
    peers->typists = g_array_new(FALSE, FALSE, sizeof(Typist));
    g_array_set_clear_func(peers->typists, typist_clear);
    return peers;
}

void nc_typing_peers_free(NcTypingPeers *peers)
{
    if (!peers)
        return;
    g_array_unref(peers->typists);
    g_free(peers);
}

static Typist *find_typist(NcTypingPeers *peers, const char *nick, guint *index)
{
    for (guint i = 0; i < peers->typists->len; i++) {
        Typist *t = &g_array_index(peers->typists, Typist, i);
        if (nc_irc_name_equal(t->nick, nick)) {
            if (index)
                *index = i;
            return t;
        }
    }
    return NULL;
}

gboolean nc_typing_peers_set(NcTypingPeers *peers, const char *nick, NcTypingState state,
                             gint64 now_us)
{
    if (!nick)
        return FALSE;
    guint index = 0;
    Typist *t = find_typist(peers, nick, &index);
    if (state != NC_TYPING_ACTIVE && state != NC_TYPING_PAUSED) {
        if (!t)
            return FALSE;
        g_array_remove_index(peers->typists, index);
        return TRUE;
    }
    gint64 lasts = state == NC_TYPING_ACTIVE ? NC_TYPING_ACTIVE_EXPIRY_US
                                             : NC_TYPING_PAUSED_EXPIRY_US;
    if (t) {
        t->expires_us = now_us + lasts;
        return FALSE;
    }
    Typist added = {g_strdup(nick), now_us + lasts};
    g_array_append_val(peers->typists, added);
    return TRUE;
}

gboolean nc_typing_peers_rename(NcTypingPeers *peers, const char *nick, const char *new_nick)
{
    Typist *t = find_typist(peers, nick, NULL);
    if (!t || !new_nick)
        return FALSE;
    g_free(t->nick);
    t->nick = g_strdup(new_nick);
    return TRUE;
}

gboolean nc_typing_peers_expire(NcTypingPeers *peers, gint64 now_us)
{
    gboolean changed = FALSE;
    for (guint i = peers->typists->len; i-- > 0;) {
        if (g_array_index(peers->typists, Typist, i).expires_us <= now_us) {
            g_array_remove_index(peers->typists, i);
            changed = TRUE;
        }
    }
    return changed;
}

guint nc_typing_peers_count(NcTypingPeers *peers)
{
    return peers->typists->len;
}

char *nc_typing_peers_words(NcTypingPeers *peers)
{
    GArray *a = peers->typists;
    switch (a->len) {
    case 0:
        return g_strdup("");
    case 1:
        return g_strdup_printf(_("%s is typing…"), g_array_index(a, Typist, 0).nick);
    case 2:
        return g_strdup_printf(_("%s and %s are typing…"), g_array_index(a, Typist, 0).nick,
                               g_array_index(a, Typist, 1).nick);
    default:
        return g_strdup(_("several people are typing…"));
    }
}
