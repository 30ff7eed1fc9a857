/* SPDX-License-Identifier: MIT */
#include "whois.h"

struct _NcWhois {
    GObject parent_instance;
    char *nick;
    char *user;
    char *host;
    char *realname;
    char *server;
    char *account;
    GString *channels;
    gint64 idle;
    char *away;
    gboolean secure;
    gboolean oper;
};

G_DEFINE_TYPE(NcWhois, nc_whois, G_TYPE_OBJECT)

static void nc_whois_finalize(GObject *object)
{
    NcWhois *self = NC_WHOIS(object);
    g_free(self->nick);
    g_free(self->user);
    g_free(self->host);
    g_free(self->realname);
    g_free(self->server);
    g_free(self->account);
    g_string_free(self->channels, TRUE);
    g_free(self->away);
    G_OBJECT_CLASS(nc_whois_parent_class)->finalize(object);
}

static void nc_whois_class_init(NcWhoisClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = nc_whois_finalize;
}

static void nc_whois_init(NcWhois *self)
{
    self->channels = g_string_new(NULL);
    self->idle = -1;
}

NcWhois *nc_whois_new(const char *nick)
{
    NcWhois *self = g_object_new(NC_TYPE_WHOIS, NULL);
    self->nick = g_strdup(nick);
    return self;
}

static void replace(char **field, const char *value)
{
    g_free(*field);
    *field = value && *value ? g_strdup(value) : NULL;
}

const char *nc_whois_get_nick(NcWhois *self)
{
    return self->nick;
}
const char *nc_whois_get_user(NcWhois *self)
{
    return self->user;
}
const char *nc_whois_get_host(NcWhois *self)
{
    return self->host;
}
const char *nc_whois_get_realname(NcWhois *self)
{
    return self->realname;
}
const char *nc_whois_get_server(NcWhois *self)
{
    return self->server;
}
const char *nc_whois_get_account(NcWhois *self)
{
    return self->account;
}
const char *nc_whois_get_channels(NcWhois *self)
{
    return self->channels->len ? self->channels->str : NULL;
}
gint64 nc_whois_get_idle(NcWhois *self)
{
    return self->idle;
}
const char *nc_whois_get_away(NcWhois *self)
{
    return self->away;
}
gboolean nc_whois_get_secure(NcWhois *self)
{
    return self->secure;
}
gboolean nc_whois_get_operator(NcWhois *self)
{
    return self->oper;
}
gboolean nc_whois_get_found(NcWhois *self)
{
    return self->user != NULL;
}

void nc_whois_set_user(NcWhois *self, const char *nick, const char *user, const char *host,
                       const char *realname)
{
    if (nick && *nick)
        replace(&self->nick, nick);
    replace(&self->user, user);
    replace(&self->host, host);
    replace(&self->realname, realname);
}

void nc_whois_set_server(NcWhois *self, const char *server)
{
    replace(&self->server, server);
}

void nc_whois_set_account(NcWhois *self, const char *account)
{
    replace(&self->account, account);
}

void nc_whois_add_channels(NcWhois *self, const char *channels)
{
    g_autofree char *trimmed = g_strstrip(g_strdup(channels ? channels : ""));
    if (!*trimmed)
        return;
    if (self->channels->len)
        g_string_append_c(self->channels, ' ');
    g_string_append(self->channels, trimmed);
}

void nc_whois_set_idle(NcWhois *self, gint64 seconds)
{
    self->idle = seconds;
}

void nc_whois_set_away(NcWhois *self, const char *message)
{
    replace(&self->away, message);
}

void nc_whois_set_secure(NcWhois *self, gboolean secure)
{
    self->secure = secure;
}

void nc_whois_set_operator(NcWhois *self, gboolean oper)
{
    self->oper = oper;
}
