/* SPDX-License-Identifier: MIT */
#include "irc-line.h"

#include <string.h>

/* IRCv3 escapes tag values so ';', ' ' and line ends can travel in them. */
static char *unescape_tag_value(const char *v)
{
    GString *out = g_string_sized_new(strlen(v));
    for (const char *p = v; *p; p++) {
        if (*p != '\\') {
            g_string_append_c(out, *p);
            continue;
        }
        p++;
        switch (*p) {
        case ':':
            g_string_append_c(out, ';');
            break;
        case 's':
            g_string_append_c(out, ' ');
            break;
        case '\\':
            g_string_append_c(out, '\\');
            break;
        case 'r':
            g_string_append_c(out, '\r');
            break;
        case 'n':
            g_string_append_c(out, '\n');
            break;
        case '\0':
            p--;
            break; /* a lone trailing backslash is dropped */
        default:
            g_string_append_c(out, *p);
            break;
        }
    }
    return g_string_free(out, FALSE);
}

static void parse_tags(NcIrcLine *line, const char *text, gsize len)
{
    g_autofree char *copy = g_strndup(text, len);
    g_auto(GStrv) parts = g_strsplit(copy, ";", -1);
    line->tags = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (guint i = 0; parts[i]; i++) {
        if (!*parts[i])
            continue;
        char *eq = strchr(parts[i], '=');
        if (eq) {
            *eq = '\0';
            g_hash_table_replace(line->tags, g_strdup(parts[i]), unescape_tag_value(eq + 1));
        } else {
            g_hash_table_replace(line->tags, g_strdup(parts[i]), g_strdup(""));
        }
    }
}

static void parse_prefix(NcIrcLine *line, const char *text, gsize len)
{
    line->prefix = g_strndup(text, len);
    const char *bang = strchr(line->prefix, '!');
    const char *at = strchr(line->prefix, '@');
    if (bang && at && at > bang) {
        line->nick = g_strndup(line->prefix, (gsize)(bang - line->prefix));
        line->user = g_strndup(bang + 1, (gsize)(at - bang - 1));
        line->host = g_strdup(at + 1);
    } else if (at) {
        line->nick = g_strndup(line->prefix, (gsize)(at - line->prefix));
        line->host = g_strdup(at + 1);
    } else {
        line->nick = g_strdup(line->prefix);
    }
}

NcIrcLine *nc_irc_line_parse(const char *raw)
{
    g_return_val_if_fail(raw != NULL, NULL);
    gsize len = strlen(raw);
    while (len > 0 && (raw[len - 1] == '\r' || raw[len - 1] == '\n'))
        len--;
    const char *p = raw;
    const char *end = raw + len;
    NcIrcLine *line = g_new0(NcIrcLine, 1);

    if (p < end && *p == '@') {
        const char *sp = memchr(p, ' ', (gsize)(end - p));
        if (!sp)
            goto fail;
        parse_tags(line, p + 1, (gsize)(sp - p - 1));
        p = sp;
    }
    while (p < end && *p == ' ')
        p++;
    if (p < end && *p == ':') {
        const char *sp = memchr(p, ' ', (gsize)(end - p));
        if (!sp)
            goto fail;
        parse_prefix(line, p + 1, (gsize)(sp - p - 1));
        p = sp;
    }
    while (p < end && *p == ' ')
        p++;
    const char *cmd = p;
    while (p < end && *p != ' ')
        p++;
    if (p == cmd)
        goto fail;
    line->command = g_ascii_strup(cmd, (gssize)(p - cmd));

    GPtrArray *params = g_ptr_array_new();
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        if (p >= end)
            break;
        if (*p == ':') {
            g_ptr_array_add(params, g_strndup(p + 1, (gsize)(end - p - 1)));
            break;
        }
        const char *start = p;
        while (p < end && *p != ' ')
            p++;
        g_ptr_array_add(params, g_strndup(start, (gsize)(p - start)));
    }
    line->n_params = params->len;
    g_ptr_array_add(params, NULL);
    line->params = (char **)g_ptr_array_free(params, FALSE);
    return line;

fail:
    nc_irc_line_free(line);
    return NULL;
}

void nc_irc_line_free(NcIrcLine *line)
{
    if (!line)
        return;
    if (line->tags)
        g_hash_table_unref(line->tags);
    g_free(line->prefix);
    g_free(line->nick);
    g_free(line->user);
    g_free(line->host);
    g_free(line->command);
    g_strfreev(line->params);
    g_free(line);
}

const char *nc_irc_line_param(const NcIrcLine *line, guint i)
{
    return i < line->n_params ? line->params[i] : NULL;
}

const char *nc_irc_line_tag(const NcIrcLine *line, const char *name)
{
    return line->tags ? g_hash_table_lookup(line->tags, name) : NULL;
}

gint64 nc_irc_line_time(const NcIrcLine *line, gint64 fallback_us)
{
    const char *t = nc_irc_line_tag(line, "time");
    if (!t || !*t)
        return fallback_us;
    g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(t, NULL);
    if (!dt)
        return fallback_us;
    /* g_date_time_to_unix_usec() is newer than Debian 12's GLib 2.74. */
    return g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
}

char *nc_irc_casefold(const char *name)
{
    char *out = g_ascii_strdown(name, -1);
    for (char *p = out; *p; p++) {
        switch (*p) {
        case '[':
            *p = '{';
            break;
        case ']':
            *p = '}';
            break;
        case '\\':
            *p = '|';
            break;
        case '~':
            *p = '^';
            break;
        default:
            break;
        }
    }
    return out;
}

gboolean nc_irc_name_equal(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    g_autofree char *fa = nc_irc_casefold(a);
    g_autofree char *fb = nc_irc_casefold(b);
    return strcmp(fa, fb) == 0;
}

gboolean nc_irc_is_channel(const char *name, const char *chantypes)
{
    if (!name || !*name)
        return FALSE;
    return strchr(chantypes ? chantypes : "#&", name[0]) != NULL;
}
