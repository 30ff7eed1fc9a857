/* SPDX-License-Identifier: MIT */
#include "input.h"

#include "irc-line.h"

#include <glib/gi18n.h>
#include <string.h>

G_DEFINE_QUARK(nc - input - error - quark, nc_input_error)

static const struct {
    const char *name;
    NcCommandKind kind;
} command_names[] = {
    {"join", NC_CMD_JOIN},   {"j", NC_CMD_JOIN},      {"part", NC_CMD_PART},
    {"leave", NC_CMD_PART},  {"msg", NC_CMD_MSG},     {"query", NC_CMD_QUERY},
    {"me", NC_CMD_ME},       {"nick", NC_CMD_NICK},   {"topic", NC_CMD_TOPIC},
    {"whois", NC_CMD_WHOIS}, {"names", NC_CMD_NAMES}, {"away", NC_CMD_AWAY},
    {"quit", NC_CMD_QUIT},   {"close", NC_CMD_CLOSE}, {"quote", NC_CMD_QUOTE},
    {"raw", NC_CMD_QUOTE},
};

/* Split off the first space-separated word; *rest points past the spaces
 * after it (or at "" when there is nothing more). */
static char *next_word(const char *s, const char **rest)
{
    while (*s == ' ')
        s++;
    const char *end = s;
    while (*end && *end != ' ')
        end++;
    char *word = *s ? g_strndup(s, (gsize)(end - s)) : NULL;
    while (*end == ' ')
        end++;
    *rest = end;
    return word;
}

static gboolean usage(GError **error, const char *text)
{
    g_set_error_literal(error, NC_INPUT_ERROR, 0, text);
    return FALSE;
}

gboolean nc_command_parse(const char *line, NcCommand *out, GError **error)
{
    memset(out, 0, sizeof *out);
    if (line[0] != '/' || line[1] == '/') {
        out->kind = NC_CMD_SAY;
        out->text = g_strdup(line[0] == '/' ? line + 1 : line);
        return TRUE;
    }
    const char *rest;
    g_autofree char *name = next_word(line + 1, &rest);
    if (!name)
        return usage(error, _("Type a command after the slash, such as /join #channel"));
    g_autofree char *lower = g_ascii_strdown(name, -1);
    out->kind = NC_CMD_OTHER;
    for (gsize i = 0; i < G_N_ELEMENTS(command_names); i++)
        if (strcmp(command_names[i].name, lower) == 0)
            out->kind = command_names[i].kind;

    switch (out->kind) {
    case NC_CMD_JOIN:
        out->target = next_word(rest, &rest);
        if (!out->target)
            return usage(error, _("Usage: /join #channel [key]"));
        if (!nc_irc_is_channel(out->target, NULL)) {
            char *t = g_strconcat("#", out->target, NULL);
            g_free(out->target);
            out->target = t;
        }
        out->text = *rest ? g_strdup(rest) : NULL;
        break;
    case NC_CMD_PART:
    case NC_CMD_TOPIC:
        if (nc_irc_is_channel(rest, NULL))
            out->target = next_word(rest, &rest);
        out->text = *rest ? g_strdup(rest) : NULL;
        break;
    case NC_CMD_MSG:
        out->target = next_word(rest, &rest);
        if (!out->target || !*rest)
            return usage(error, _("Usage: /msg nick message"));
        out->text = g_strdup(rest);
        break;
    case NC_CMD_QUERY:
        out->target = next_word(rest, &rest);
        if (!out->target)
            return usage(error, _("Usage: /query nick [message]"));
        out->text = *rest ? g_strdup(rest) : NULL;
        break;
    case NC_CMD_ME:
        if (!*rest)
            return usage(error, _("Usage: /me action"));
        out->text = g_strdup(rest);
        break;
    case NC_CMD_NICK:
        out->target = next_word(rest, &rest);
        if (!out->target)
            return usage(error, _("Usage: /nick new-nick"));
        break;
    case NC_CMD_WHOIS:
        out->target = next_word(rest, &rest);
        if (!out->target)
            return usage(error, _("Usage: /whois nick"));
        break;
    case NC_CMD_NAMES:
        out->target = next_word(rest, &rest);
        break;
    case NC_CMD_AWAY:
    case NC_CMD_QUIT:
        out->text = *rest ? g_strdup(rest) : NULL;
        break;
    case NC_CMD_CLOSE:
        break;
    case NC_CMD_QUOTE:
        if (!*rest)
            return usage(error, _("Usage: /quote RAW IRC LINE"));
        out->text = g_strdup(rest);
        break;
    case NC_CMD_OTHER: {
        g_autofree char *upper = g_ascii_strup(name, -1);
        out->text = *rest ? g_strconcat(upper, " ", rest, NULL) : g_strdup(upper);
        break;
    }
    case NC_CMD_SAY:
        break;
    }
    return TRUE;
}

void nc_command_clear(NcCommand *cmd)
{
    g_clear_pointer(&cmd->target, g_free);
    g_clear_pointer(&cmd->text, g_free);
}

gsize nc_split_budget(const char *nick, const char *user, const char *host, const char *command,
                      const char *target)
{
    /* ":" nick "!" user "@" host " " command " " target " :" text "\r\n" */
    gsize overhead = 1 + strlen(nick) + 1 + (user ? strlen(user) : 10) + 1 +
                     (host ? strlen(host) : 63) + 1 + strlen(command) + 1 + strlen(target) + 2 + 2;
    return overhead >= NC_IRC_LINE_MAX - 32 ? 32 : NC_IRC_LINE_MAX - overhead;
}

GPtrArray *nc_split_text(const char *text, gsize max_bytes)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    max_bytes = MAX(max_bytes, 8);
    const char *p = text;
    gsize left = strlen(p);
    while (left > max_bytes) {
        const char *limit = p + max_bytes;
        const char *cut = NULL;
        for (const char *q = limit; q > p; q--)
            if (*q == ' ') {
                cut = q;
                break;
            }
        if (cut) {
            g_ptr_array_add(out, g_strndup(p, (gsize)(cut - p)));
            p = cut;
            while (*p == ' ')
                p++;
        } else {
            /* One word longer than a line: cut at a character boundary. */
            const char *boundary = limit;
            while (boundary > p && ((guchar)*boundary & 0xC0) == 0x80)
                boundary--;
            if (boundary == p)
                boundary = limit;
            g_ptr_array_add(out, g_strndup(p, (gsize)(boundary - p)));
            p = boundary;
        }
        left = strlen(p);
    }
    if (*p || out->len == 0)
        g_ptr_array_add(out, g_strdup(p));
    return out;
}

char **nc_input_lines(const char *text, guint *n_lines)
{
    GPtrArray *raw = g_ptr_array_new_with_free_func(g_free);
    const char *p = text ? text : "";
    while (*p) {
        gsize len = strcspn(p, "\r\n");
        char *line = g_strchomp(g_strndup(p, len));
        if (*line)
            g_ptr_array_add(raw, line);
        else
            g_free(line);
        p += len;
        if (*p == '\r' && p[1] == '\n')
            p += 2;
        else if (*p)
            p++;
    }
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < raw->len; i++) {
        const char *line = raw->pdata[i];
        /* "//x" says "/x" (see nc_command_parse()). */
        g_ptr_array_add(out, raw->len > 1 && line[0] == '/' ? g_strconcat("/", line, NULL)
                                                            : g_strdup(line));
    }
    if (n_lines)
        *n_lines = out->len;
    g_ptr_array_add(out, NULL);
    g_ptr_array_unref(raw);
    return (char **)g_ptr_array_free(out, FALSE);
}

gboolean nc_input_needs_confirm(guint n_lines)
{
    return n_lines > NC_PASTE_CONFIRM_ABOVE;
}

struct _NcCompleter {
    char *last_text; /* what the last completion produced */
    int last_cursor;
    char *head; /* text before the completed word */
    char *tail; /* text after the cursor */
    GPtrArray *matches;
    guint index;
};

NcCompleter *nc_completer_new(void)
{
    return g_new0(NcCompleter, 1);
}

void nc_completer_reset(NcCompleter *c)
{
    g_clear_pointer(&c->last_text, g_free);
    g_clear_pointer(&c->head, g_free);
    g_clear_pointer(&c->tail, g_free);
    g_clear_pointer(&c->matches, g_ptr_array_unref);
    c->index = 0;
}

void nc_completer_free(NcCompleter *c)
{
    if (!c)
        return;
    nc_completer_reset(c);
    g_free(c);
}

static int compare_folded(gconstpointer a, gconstpointer b)
{
    g_autofree char *fa = nc_irc_casefold(*(const char *const *)a);
    g_autofree char *fb = nc_irc_casefold(*(const char *const *)b);
    return strcmp(fa, fb);
}

static char *build(NcCompleter *c, int *new_cursor)
{
    const char *match = g_ptr_array_index(c->matches, c->index);
    gboolean at_start = c->head[0] == '\0' && !nc_irc_is_channel(match, NULL);
    g_autofree char *before = g_strconcat(c->head, match, at_start ? ": " : " ", NULL);
    char *text = g_strconcat(before, c->tail, NULL);
    *new_cursor = (int)g_utf8_strlen(before, -1);
    g_free(c->last_text);
    c->last_text = g_strdup(text);
    c->last_cursor = *new_cursor;
    return text;
}

char *nc_completer_next(NcCompleter *c, const char *text, int cursor, const char *const *candidates,
                        int *new_cursor)
{
    if (c->matches && c->last_text && strcmp(text, c->last_text) == 0 && cursor == c->last_cursor) {
        c->index = (c->index + 1) % c->matches->len;
        return build(c, new_cursor);
    }
    nc_completer_reset(c);
    glong nchars = g_utf8_strlen(text, -1);
    cursor = CLAMP(cursor, 0, (int)nchars);
    const char *cur = g_utf8_offset_to_pointer(text, cursor);
    const char *start = cur;
    while (start > text && start[-1] != ' ')
        start--;
    if (start == cur)
        return NULL;
    g_autofree char *word = g_strndup(start, (gsize)(cur - start));
    g_autofree char *folded_word = nc_irc_casefold(word);
    gsize wlen = strlen(folded_word);
    GPtrArray *matches = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; candidates && candidates[i]; i++) {
        g_autofree char *f = nc_irc_casefold(candidates[i]);
        if (strncmp(f, folded_word, wlen) == 0)
            g_ptr_array_add(matches, g_strdup(candidates[i]));
    }
    if (matches->len == 0) {
        g_ptr_array_unref(matches);
        return NULL;
    }
    g_ptr_array_sort(matches, compare_folded);
    c->matches = matches;
    c->head = g_strndup(text, (gsize)(start - text));
    c->tail = g_strdup(cur);
    c->index = 0;
    return build(c, new_cursor);
}
