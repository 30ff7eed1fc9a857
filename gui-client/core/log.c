/* SPDX-License-Identifier: MIT */
#include "log.h"

#include "irc-line.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char *path;
    FILE *file;
} OpenLog;

struct _NcLogger {
    char *dir;
    char *network_id; /* a saved network's: its folder, whatever name is passed */
    GHashTable *open; /* "network\nbuffer" -> OpenLog*, one per buffer */
    gboolean disabled; /* the user turned logging off: nothing is written */
};

static void open_log_free(gpointer p)
{
    OpenLog *o = p;
    if (o->file)
        fclose(o->file);
    g_free(o->path);
    g_free(o);
}

static char *top_dir(const char *dir)
{
    return dir ? g_strdup(dir) : g_build_filename(g_get_user_data_dir(), "natter", "logs", NULL);
}

NcLogger *nc_logger_new(const char *dir)
{
    NcLogger *logger = g_new0(NcLogger, 1);
    logger->dir = top_dir(dir);
    logger->open = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, open_log_free);
    return logger;
}

NcLogger *nc_logger_new_for_network(const char *dir, const char *network_id)
{
    NcLogger *logger = nc_logger_new(dir);
    logger->network_id = g_strdup(network_id);
    return logger;
}

void nc_logger_free(NcLogger *logger)
{
    if (!logger)
        return;
    g_hash_table_unref(logger->open);
    g_free(logger->dir);
    g_free(logger->network_id);
    g_free(logger);
}

const char *nc_logger_get_dir(NcLogger *logger)
{
    return logger->dir;
}

/* Channel names may hold '/', leading dots and control characters; none
 * of that may steer the path out of the log folder. */
static char *safe_name(const char *name)
{
    char *folded = nc_irc_casefold(name && *name ? name : "_");
    for (char *p = folded; *p; p++)
        if (*p == '/' || *p == '\\' || (guchar)*p < 0x20 || *p == ':')
            *p = '_';
    if (folded[0] == '.')
        folded[0] = '_';
    return folded;
}

gboolean nc_logger_adopt_folder(const char *dir, const char *network, const char *network_id)
{
    g_autofree char *top = top_dir(dir);
    g_autofree char *old_name = safe_name(network);
    g_autofree char *new_name = safe_name(network_id);
    g_autofree char *from = g_build_filename(top, old_name, NULL);
    g_autofree char *to = g_build_filename(top, new_name, NULL);
    if (!g_file_test(from, G_FILE_TEST_IS_DIR) || g_file_test(to, G_FILE_TEST_EXISTS))
        return FALSE;
    if (g_rename(from, to) != 0) {
        g_warning("cannot move the logs of %s to %s: %s", from, to, g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

static char *buffer_dir(NcLogger *logger, const char *network, const char *buffer)
{
    g_autofree char *n = safe_name(logger->network_id ? logger->network_id : network);
    g_autofree char *b = safe_name(buffer);
    return g_build_filename(logger->dir, n, b, NULL);
}

char *nc_logger_path(NcLogger *logger, const char *network, const char *buffer, gint64 time_us)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(time_us / G_USEC_PER_SEC);
    g_autoptr(GDateTime) local = g_date_time_to_local(utc);
    g_autofree char *day = g_date_time_format(local, "%Y-%m-%d.log");
    g_autofree char *dir = buffer_dir(logger, network, buffer);
    return g_build_filename(dir, day, NULL);
}

char *nc_message_format_plain(NcMessage *msg)
{
    const char *sender = nc_message_get_sender(msg);
    const char *text = nc_message_get_text(msg);
    switch (nc_message_get_kind(msg)) {
    case NC_MSG_PRIVMSG:
        return g_strdup_printf("<%s> %s", sender ? sender : "", text);
    case NC_MSG_ACTION:
        return g_strdup_printf("* %s %s", sender ? sender : "", text);
    case NC_MSG_NOTICE:
        return g_strdup_printf("-%s- %s", sender ? sender : "", text);
    case NC_MSG_JOIN:
        return g_strdup_printf("--> %s", text);
    case NC_MSG_PART:
    case NC_MSG_QUIT:
    case NC_MSG_KICK:
        return g_strdup_printf("<-- %s", text);
    case NC_MSG_ERROR:
        return g_strdup_printf("!!! %s", text);
    default:
        return g_strdup_printf("--- %s", text);
    }
}

void nc_logger_set_enabled(NcLogger *logger, gboolean enabled)
{
    logger->disabled = !enabled;
    if (logger->disabled)
        g_hash_table_remove_all(logger->open); /* closes the files */
}

gboolean nc_logger_write(NcLogger *logger, const char *network, const char *buffer, NcMessage *msg)
{
    NcMessageKind kind = nc_message_get_kind(msg);
    if (logger->disabled || kind == NC_MSG_HISTORY || kind == NC_MSG_STATUS)
        return FALSE;
    gint64 t = nc_message_get_time(msg);
    g_autofree char *path = nc_logger_path(logger, network, buffer, t);
    g_autofree char *key = g_strconcat(network, "\n", buffer, NULL);
    OpenLog *o = g_hash_table_lookup(logger->open, key);
    if (!o || strcmp(o->path, path) != 0) {
        /* A new day (or a first line): the old file is done with. */
        g_autofree char *dir = g_path_get_dirname(path);
        if (g_mkdir_with_parents(dir, 0700) != 0)
            return FALSE;
        FILE *f = g_fopen(path, "a");
        if (!f)
            return FALSE;
        o = g_new0(OpenLog, 1);
        o->path = g_strdup(path);
        o->file = f;
        g_hash_table_replace(logger->open, g_strdup(key), o);
    }
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t / G_USEC_PER_SEC);
    g_autoptr(GDateTime) local = g_date_time_to_local(utc);
    g_autofree char *stamp = g_date_time_format(local, "%Y-%m-%d %H:%M:%S");
    g_autofree char *body = nc_message_format_plain(msg);
    /* One message is one line in the file, whatever it contained. */
    g_strdelimit(body, "\r\n", ' ');
    /* The server's msgid (and the time to the millisecond) make a later
     * merge with the server's history exact; a line without one keeps
     * the old form. */
    const char *id = nc_message_get_msgid(msg);
    gboolean ok;
    if (id && !strpbrk(id, " ]\r\n"))
        ok = fprintf(o->file, "[%s.%03d msgid=%s] %s\n", stamp, (int)(t / 1000 % 1000), id, body) >
             0;
    else
        ok = fprintf(o->file, "[%s] %s\n", stamp, body) > 0;
    return fflush(o->file) == 0 && ok;
}

static int compare_desc(gconstpointer a, gconstpointer b)
{
    return -strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "<nick> text", "* nick text", "-nick- text", "--> ...": back into the
 * message nc_message_format_plain() wrote, so a reloaded line looks as it
 * did live and can be matched with the server's copy. */
static NcMessage *parse_body(gint64 t, const char *body)
{
    static const struct {
        const char *prefix;
        NcMessageKind kind;
    } events[] = {
        {"--> ", NC_MSG_JOIN},
        {"<-- ", NC_MSG_PART},
        {"!!! ", NC_MSG_ERROR},
        /* nick changes, topics, modes: all events, told apart by words */
        {"--- ", NC_MSG_MODE},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(events); i++)
        if (g_str_has_prefix(body, events[i].prefix))
            return nc_message_new(t, events[i].kind, NC_MSG_FLAG_NONE, NULL,
                                  body + strlen(events[i].prefix));
    const char *end;
    if (body[0] == '<' && (end = strstr(body, "> ")) && end > body + 1) {
        g_autofree char *nick = g_strndup(body + 1, (gsize)(end - body - 1));
        return nc_message_new(t, NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, nick, end + 2);
    }
    if (g_str_has_prefix(body, "* ") && (end = strchr(body + 2, ' '))) {
        g_autofree char *nick = g_strndup(body + 2, (gsize)(end - body - 2));
        return nc_message_new(t, NC_MSG_ACTION, NC_MSG_FLAG_NONE, nick, end + 1);
    }
    if (body[0] == '-' && (end = strstr(body + 1, "- ")) && end > body + 1) {
        g_autofree char *nick = g_strndup(body + 1, (gsize)(end - body - 1));
        return nc_message_new(t, NC_MSG_NOTICE, NC_MSG_FLAG_NONE, nick, end + 2);
    }
    return nc_message_new(t, NC_MSG_HISTORY, NC_MSG_FLAG_NONE, NULL, body);
}

/* "[YYYY-MM-DD HH:MM:SS] body" (every version), or
 * "[YYYY-MM-DD HH:MM:SS.mmm msgid=ID] body" (a line with the server's msgid). */
static NcMessage *history_message(const char *line)
{
    gint64 t = g_get_real_time();
    const char *close = line[0] == '[' ? strstr(line, "] ") : NULL;
    if (!close || close - line < 20)
        return parse_body(t, line);
    g_autofree char *stamp = g_strndup(line + 1, 19);
    stamp[10] = 'T';
    g_autoptr(GTimeZone) tz = g_time_zone_new_local();
    g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(stamp, tz);
    if (dt)
        t = g_date_time_to_unix(dt) * G_USEC_PER_SEC;
    const char *rest = line + 20;
    if (*rest == '.' && g_ascii_isdigit(rest[1]) && g_ascii_isdigit(rest[2]) &&
        g_ascii_isdigit(rest[3])) {
        t += g_ascii_strtoll(rest + 1, NULL, 10) * 1000;
        rest += 4;
    }
    g_autofree char *msgid = NULL;
    if (g_str_has_prefix(rest, " msgid=") && rest + 7 < close)
        msgid = g_strndup(rest + 7, (gsize)(close - rest - 7));
    NcMessage *msg = parse_body(t, close + 2);
    nc_message_set_msgid(msg, msgid);
    return msg;
}

static int compare_time(gconstpointer a, gconstpointer b)
{
    gint64 ta = nc_message_get_time(*(NcMessage *const *)a);
    gint64 tb = nc_message_get_time(*(NcMessage *const *)b);
    return ta < tb ? -1 : ta > tb;
}

GPtrArray *nc_logger_tail(NcLogger *logger, const char *network, const char *buffer, guint n)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_object_unref);
    g_autofree char *dir = buffer_dir(logger, network, buffer);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    if (!d || n == 0)
        return out;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)))
        if (g_str_has_suffix(name, ".log"))
            g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_desc);

    /* Newest file first, each file's lines from its end, then reverse. */
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < names->len && lines->len < n; i++) {
        g_autofree char *path = g_build_filename(dir, names->pdata[i], NULL);
        g_autofree char *contents = NULL;
        if (!g_file_get_contents(path, &contents, NULL, NULL))
            continue;
        g_auto(GStrv) file_lines = g_strsplit(contents, "\n", -1);
        guint count = g_strv_length(file_lines);
        for (guint j = count; j > 0 && lines->len < n; j--)
            if (*file_lines[j - 1])
                g_ptr_array_add(lines, g_strdup(file_lines[j - 1]));
    }
    for (guint i = lines->len; i > 0; i--)
        g_ptr_array_add(out, history_message(lines->pdata[i - 1]));
    /* Lines fetched from the server's history after a reconnect were
     * appended after newer ones: in time order again (a stable sort). */
    g_ptr_array_sort(out, compare_time);
    return out;
}
