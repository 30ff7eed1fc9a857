/* SPDX-License-Identifier: MIT */
#include "input.h"

#include "irc-line.h"

#include <glib/gi18n.h>
#include <string.h>

G_DEFINE_QUARK(nc - input - error - quark, nc_input_error)

/* The one list of commands: the parser finds them here, /help shows them
 * from here.  min_args counts space-separated words after the name. */
typedef struct {
    const char *name;
    const char *aliases; /* other names, space-separated, or NULL */
    NcCommandKind kind;
    const char *usage; /* the arguments, "" for none */
    const char *description;
    guint min_args;
} CommandInfo;

static const CommandInfo commands[] = {
    {"help", NULL, NC_CMD_HELP, N_("[command]"), N_("List the commands, or explain one"), 0},
    {"join", "j", NC_CMD_JOIN, N_("#channel [key]"), N_("Join a channel"), 1},
    {"part", "leave", NC_CMD_PART, N_("[#channel] [reason]"),
     N_("Leave this channel, or the one named"), 0},
    {"msg", NULL, NC_CMD_MSG, N_("nick|#channel message"),
     N_("Send a message to someone (in a private conversation) or a channel"), 2},
    {"query", NULL, NC_CMD_QUERY, N_("nick [message]"), N_("Open a private conversation"), 1},
    {"notice", NULL, NC_CMD_NOTICE, N_("nick|#channel message"),
     N_("Send a notice (a message that is never answered automatically)"), 2},
    {"me", NULL, NC_CMD_ME, N_("action"), N_("Say what you are doing (/me waves)"), 1},
    {"nick", NULL, NC_CMD_NICK, N_("new-nick"), N_("Change your nick"), 1},
    {"topic", NULL, NC_CMD_TOPIC, N_("[#channel] [new topic]"),
     N_("Show or change the channel's topic"), 0},
    {"whois", NULL, NC_CMD_WHOIS, N_("nick"), N_("Show who someone is"), 1},
    {"names", NULL, NC_CMD_NAMES, N_("[#channel]"), N_("List who is in a channel"), 0},
    {"invite", NULL, NC_CMD_INVITE, N_("nick [#channel]"),
     N_("Invite someone to this channel, or the one named"), 1},
    {"kick", NULL, NC_CMD_KICK, N_("nick [reason]"), N_("Remove someone from this channel"), 1},
    {"ban", NULL, NC_CMD_BAN, N_("nick|mask"),
     N_("Ban a nick (as nick!*@*) or a nick!user@host mask from this channel"), 1},
    {"mode", NULL, NC_CMD_MODE, N_("[target] modes [arguments]"),
     N_("Set modes on this channel, or on the channel or nick named"), 1},
    {"op", NULL, NC_CMD_OP, N_("nick [nick...]"), N_("Make people operators of this channel"), 1},
    {"deop", NULL, NC_CMD_DEOP, N_("nick [nick...]"), N_("Take operator status away"), 1},
    {"voice", NULL, NC_CMD_VOICE, N_("nick [nick...]"),
     N_("Let people speak in this (moderated) channel"), 1},
    {"devoice", NULL, NC_CMD_DEVOICE, N_("nick [nick...]"), N_("Take voice away"), 1},
    {"ignore", NULL, NC_CMD_IGNORE, N_("[nick|nick!user@host]"),
     N_("Hide everything a nick or mask (* and ? match anything) says to you; alone, list them"),
     0},
    {"unignore", NULL, NC_CMD_UNIGNORE, N_("nick|nick!user@host"), N_("Stop ignoring a mask"), 1},
    {"away", NULL, NC_CMD_AWAY, N_("[message]"),
     N_("Say you are away (with a message), or back (without)"), 0},
    {"back", NULL, NC_CMD_BACK, "", N_("Say you are back"), 0},
    {"list", NULL, NC_CMD_LIST, N_("[#channel,...]"),
     N_("List the server's channels in a window to search and join"), 0},
    {"clear", NULL, NC_CMD_CLEAR, "", N_("Empty this conversation's view (nothing is sent)"), 0},
    {"close", NULL, NC_CMD_CLOSE, "", N_("Close this conversation (leaving the channel)"), 0},
    {"reconnect", NULL, NC_CMD_RECONNECT, "", N_("Drop the connection and connect again"), 0},
    {"quit", NULL, NC_CMD_QUIT, N_("[message]"), N_("Leave the server"), 0},
    {"quote", "raw", NC_CMD_QUOTE, N_("RAW IRC LINE"), N_("Send a line to the server as it is"), 1},
};

static gboolean has_alias(const CommandInfo *c, const char *name)
{
    if (!c->aliases)
        return FALSE;
    g_auto(GStrv) names = g_strsplit(c->aliases, " ", -1);
    return g_strv_contains((const char *const *)names, name);
}

/* The command called name (any case, a leading slash allowed), or NULL. */
static const CommandInfo *find_command(const char *name)
{
    if (!name)
        return NULL;
    if (*name == '/')
        name++;
    g_autofree char *lower = g_ascii_strdown(name, -1);
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        if (strcmp(commands[i].name, lower) == 0 || has_alias(&commands[i], lower))
            return &commands[i];
    return NULL;
}

static char *usage_of(const CommandInfo *c)
{
    return *c->usage ? g_strdup_printf(_("Usage: /%s %s"), c->name, _(c->usage))
                     : g_strdup_printf(_("Usage: /%s"), c->name);
}

char *nc_command_usage(const char *name)
{
    const CommandInfo *c = find_command(name);
    return c ? usage_of(c) : NULL;
}

char **nc_command_help(const char *name)
{
    const CommandInfo *c = NULL;
    if (name && !(c = find_command(name)))
        return NULL;
    GPtrArray *lines = g_ptr_array_new();
    if (!c) {
        g_ptr_array_add(lines, g_strdup(_("natter's commands (/help command tells more):")));
        for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
            const CommandInfo *o = &commands[i];
            /* _("") would be the catalogue's header. */
            g_ptr_array_add(lines,
                            g_strdup_printf("/%s%s%s — %s", o->name, *o->usage ? " " : "",
                                            *o->usage ? _(o->usage) : "", _(o->description)));
        }
        g_ptr_array_add(lines, g_strdup(_("Any other /command is sent to the server as it is.")));
    } else {
        g_ptr_array_add(lines, usage_of(c));
        g_ptr_array_add(lines, g_strdup(_(c->description)));
        if (c->aliases) {
            g_auto(GStrv) names = g_strsplit(c->aliases, " ", -1);
            g_autofree char *joined = g_strjoinv(", /", names);
            g_ptr_array_add(lines, g_strdup_printf(_("Also: /%s"), joined));
        }
    }
    g_ptr_array_add(lines, NULL);
    return (char **)g_ptr_array_free(lines, FALSE);
}

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

static guint count_words(const char *s)
{
    guint n = 0;
    for (const char *p = s; *p; p++)
        if (*p != ' ' && (p == s || p[-1] == ' '))
            n++;
    return n;
}

static gboolean usage(GError **error, const CommandInfo *c)
{
    g_autofree char *text = usage_of(c);
    g_set_error_literal(error, NC_INPUT_ERROR, 0, text);
    return FALSE;
}

static char *rest_or_null(const char *rest)
{
    return *rest ? g_strdup(rest) : NULL;
}

/* The arguments of a known command c, whose word count is checked. */
static void parse_args(const CommandInfo *c, const char *rest, NcCommand *out)
{
    switch (c->kind) {
    case NC_CMD_JOIN:
        out->target = next_word(rest, &rest);
        if (!nc_irc_is_channel(out->target, NULL)) {
            char *t = g_strconcat("#", out->target, NULL);
            g_free(out->target);
            out->target = t;
        }
        out->text = rest_or_null(rest);
        break;
    case NC_CMD_PART:
    case NC_CMD_TOPIC:
        if (nc_irc_is_channel(rest, NULL))
            out->target = next_word(rest, &rest);
        out->text = rest_or_null(rest);
        break;
    case NC_CMD_MSG:
    case NC_CMD_QUERY:
    case NC_CMD_NOTICE:
    case NC_CMD_KICK:
        out->target = next_word(rest, &rest);
        out->text = rest_or_null(rest);
        break;
    case NC_CMD_INVITE:
        out->target = next_word(rest, &rest);
        out->text = next_word(rest, &rest);
        break;
    case NC_CMD_NICK:
    case NC_CMD_WHOIS:
    case NC_CMD_NAMES:
    case NC_CMD_BAN:
    case NC_CMD_IGNORE:
    case NC_CMD_UNIGNORE:
        out->target = next_word(rest, &rest);
        break;
    case NC_CMD_HELP:
        out->target = next_word(rest, &rest);
        if (out->target && out->target[0] == '/')
            memmove(out->target, out->target + 1, strlen(out->target));
        break;
    case NC_CMD_MODE:
        if (*rest != '+' && *rest != '-')
            out->target = next_word(rest, &rest);
        out->text = rest_or_null(rest);
        break;
    case NC_CMD_OP:
    case NC_CMD_DEOP:
    case NC_CMD_VOICE:
    case NC_CMD_DEVOICE:
    case NC_CMD_ME:
    case NC_CMD_AWAY:
    case NC_CMD_LIST:
    case NC_CMD_QUIT:
    case NC_CMD_QUOTE:
        out->text = rest_or_null(rest);
        break;
    case NC_CMD_CLOSE:
    case NC_CMD_CLEAR:
    case NC_CMD_RECONNECT:
    case NC_CMD_BACK:
    case NC_CMD_SAY:
    case NC_CMD_OTHER:
        break;
    }
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
    if (!name) {
        g_set_error_literal(error, NC_INPUT_ERROR, 0,
                            _("Type a command after the slash, such as /join #channel"));
        return FALSE;
    }
    const CommandInfo *c = find_command(name);
    if (!c) {
        g_autofree char *upper = g_ascii_strup(name, -1);
        out->kind = NC_CMD_OTHER;
        out->text = *rest ? g_strconcat(upper, " ", rest, NULL) : g_strdup(upper);
        return TRUE;
    }
    out->kind = c->kind;
    if (count_words(rest) < c->min_args)
        return usage(error, c);
    parse_args(c, rest, out);
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
