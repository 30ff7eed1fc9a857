/* SPDX-License-Identifier: MIT */
/* natter core: searching a buffer's messages and a network's logs. */
#include "search.h"

#include "format.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

/* ---- matching text -------------------------------------------------- */

/* Where a folded byte came from: the source character's bytes. */
typedef struct {
    guint32 from;
    guint32 to;
} FoldOrigin;

static gboolean is_ascii(const char *s, gsize len)
{
    for (gsize i = 0; i < len; i++)
        if ((guchar)s[i] >= 0x80)
            return FALSE;
    return TRUE;
}

/* text folded into out; for text with characters beyond ASCII, origins
 * (when given) receives, per folded byte, the source character it came
 * from, since folding changes lengths ("ß" is "ss", "İ" three bytes). */
static void fold_text(const char *text, gsize len, GString *out, GArray *origins)
{
    g_string_truncate(out, 0);
    if (origins)
        g_array_set_size(origins, 0);
    if (is_ascii(text, len)) {
        /* Unicode folds ASCII exactly as tolower does: the common case
         * stays a byte loop with offsets unchanged. */
        g_string_set_size(out, len);
        for (gsize i = 0; i < len; i++)
            out->str[i] = g_ascii_tolower(text[i]);
        return;
    }
    const char *end = text + len;
    for (const char *p = text; p < end;) {
        const char *next = g_utf8_find_next_char(p, end);
        if (!next)
            next = end;
        gsize before = out->len;
        if ((guchar)*p < 0x80) {
            g_string_append_c(out, g_ascii_tolower(*p));
        } else {
            g_autofree char *folded = g_utf8_casefold(p, next - p);
            g_string_append(out, folded);
        }
        if (origins) {
            FoldOrigin o = {(guint32)(p - text), (guint32)(next - text)};
            for (gsize i = before; i < out->len; i++)
                g_array_append_val(origins, o);
        }
        p = next;
    }
}

/* A query ready to match: folded once. */
typedef struct {
    char *folded;
    gsize len;
    gboolean ascii;
} Needle;

static void needle_init(Needle *n, const char *query)
{
    g_autofree char *plain = nc_format_strip(query ? query : "");
    const char *valid_end = NULL;
    if (!g_utf8_validate(plain, -1, &valid_end))
        *(char *)valid_end = '\0';
    n->folded = g_utf8_casefold(plain, -1);
    n->len = strlen(n->folded);
    n->ascii = is_ascii(n->folded, n->len);
}

static void needle_clear(Needle *n)
{
    g_clear_pointer(&n->folded, g_free);
}

/* Scratch space reused across texts, so a search of many messages does
 * not allocate per message. */
typedef struct {
    GString *folded;
    GArray *origins;
} Scratch;

static void scratch_init(Scratch *s)
{
    s->folded = g_string_sized_new(256);
    s->origins = g_array_new(FALSE, FALSE, sizeof(FoldOrigin));
}

static void scratch_clear(Scratch *s)
{
    g_string_free(s->folded, TRUE);
    g_array_unref(s->origins);
}

/* The needle's matches in visible (code-free) text, appended to spans;
 * returns how many. */
static guint find_in_visible(const Needle *n, const char *visible, gsize len, Scratch *s,
                             GArray *spans)
{
    if (n->len == 0 || len == 0)
        return 0;
    gboolean ascii = is_ascii(visible, len);
    /* Folded ASCII stays ASCII: a query with other letters cannot match. */
    if (ascii && !n->ascii)
        return 0;
    gboolean map = !ascii && spans;
    fold_text(visible, len, s->folded, map ? s->origins : NULL);
    guint count = 0;
    const char *hay = s->folded->str;
    for (const char *at = strstr(hay, n->folded); at; at = strstr(at + n->len, n->folded)) {
        gsize start = (gsize)(at - hay), end = start + n->len;
        NcSearchSpan span = {start, end};
        if (map) {
            /* A match may begin or end inside one character's folding;
             * the highlight covers the whole character. */
            span.start = g_array_index(s->origins, FoldOrigin, start).from;
            span.end = g_array_index(s->origins, FoldOrigin, end - 1).to;
        }
        if (spans)
            g_array_append_val(spans, span);
        count++;
    }
    return count;
}

/* raw without codes: borrowed from raw when it has none, else in *owned. */
static const char *visible_text(const char *raw, char **owned)
{
    *owned = NULL;
    if (!nc_format_has_codes(raw))
        return raw;
    *owned = nc_format_strip(raw);
    return *owned;
}

GArray *nc_search_text(const char *query, const char *raw, char **visible)
{
    GArray *spans = g_array_new(FALSE, FALSE, sizeof(NcSearchSpan));
    Needle n;
    needle_init(&n, query);
    Scratch s;
    scratch_init(&s);
    g_autofree char *owned = NULL;
    const char *text = visible_text(raw ? raw : "", &owned);
    find_in_visible(&n, text, strlen(text), &s, spans);
    if (visible)
        *visible = owned ? g_steal_pointer(&owned) : g_strdup(text);
    scratch_clear(&s);
    needle_clear(&n);
    return spans;
}

void nc_buffer_match_free(NcBufferMatch *match)
{
    if (!match)
        return;
    g_clear_object(&match->message);
    g_clear_pointer(&match->spans, g_array_unref);
    g_free(match);
}

/* The matches among messages [from, to) of the list, appended to out. */
static void search_messages(GListModel *messages, guint from, guint to, const Needle *n,
                            GPtrArray *out)
{
    Scratch s;
    scratch_init(&s);
    g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(NcSearchSpan));
    for (guint i = from; i < to; i++) {
        g_autoptr(NcMessage) msg = g_list_model_get_item(messages, i);
        g_autofree char *owned = NULL;
        const char *text = visible_text(nc_message_get_text(msg), &owned);
        g_array_set_size(spans, 0);
        if (!find_in_visible(n, text, strlen(text), &s, spans))
            continue;
        NcBufferMatch *m = g_new0(NcBufferMatch, 1);
        m->position = i;
        m->message = g_steal_pointer(&msg);
        m->spans = g_steal_pointer(&spans);
        spans = g_array_new(FALSE, FALSE, sizeof(NcSearchSpan));
        g_ptr_array_add(out, m);
    }
    scratch_clear(&s);
}

GPtrArray *nc_search_buffer(NcBuffer *buffer, const char *query)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)nc_buffer_match_free);
    Needle n;
    needle_init(&n, query);
    if (n.len > 0) {
        GListModel *messages = nc_buffer_get_messages(buffer);
        search_messages(messages, 0, g_list_model_get_n_items(messages), &n, out);
    }
    needle_clear(&n);
    return out;
}

/* The first match at or after position, by bisection (matches are in order). */
static guint first_match_from(GPtrArray *matches, guint position)
{
    guint low = 0, high = matches->len;
    while (low < high) {
        guint mid = low + (high - low) / 2;
        if (((NcBufferMatch *)matches->pdata[mid])->position < position)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

gboolean nc_search_buffer_update(GPtrArray *matches, NcBuffer *buffer, const char *query,
                                 guint position, guint removed, guint added)
{
    GListModel *messages = nc_buffer_get_messages(buffer);
    guint count = g_list_model_get_n_items(messages);
    if (removed == 0 && added == 0)
        return TRUE;
    if (removed == 0 && position + added == count) {
        /* New lines at the end: only they can hold new matches. */
        Needle n;
        needle_init(&n, query);
        if (n.len > 0)
            search_messages(messages, position, count, &n, matches);
        needle_clear(&n);
        return TRUE;
    }
    if (position == 0 && added == 0) {
        /* The oldest lines went (the scrollback's limit): their matches go
         * with them, and every other one moves up as many places. */
        guint gone = first_match_from(matches, removed);
        g_ptr_array_remove_range(matches, 0, gone);
        for (guint i = 0; i < matches->len; i++)
            ((NcBufferMatch *)matches->pdata[i])->position -= removed;
        return TRUE;
    }
    return FALSE;
}

/* ---- reading log lines ---------------------------------------------- */

/* What a logged line says, as slices of it.  The forms are those
 * nc_message_format_plain() writes, after "[date time] ". */
typedef struct {
    const char *stamp; /* "YYYY-MM-DD HH:MM:SS", 19 bytes, or NULL */
    int millis;
    const char *msgid; /* msgid_len bytes, or NULL */
    gsize msgid_len;
    NcMessageKind kind;
    const char *sender; /* sender_len bytes, or NULL */
    gsize sender_len;
    const char *text; /* to the end of the line */
} LogLine;

static void split_body(const char *body, LogLine *l)
{
    static const struct {
        const char *prefix;
        NcMessageKind kind;
    } events[] = {
        {"--> ", NC_MSG_JOIN}, {"<-- ", NC_MSG_PART}, {"!!! ", NC_MSG_ERROR}, {"--- ", NC_MSG_MODE}};
    l->sender = NULL;
    l->sender_len = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(events); i++) {
        if (strncmp(body, events[i].prefix, 4) == 0) {
            l->kind = events[i].kind;
            l->text = body + 4;
            return;
        }
    }
    /* "<nick> text", "* nick text", "-nick- text" */
    const char *end = NULL;
    const char *nick = NULL;
    if (body[0] == '<' && (end = strstr(body, "> ")) && end > body + 1) {
        nick = body + 1;
        l->kind = NC_MSG_PRIVMSG;
        l->text = end + 2;
    } else if (body[0] == '*' && body[1] == ' ' && (end = strchr(body + 2, ' '))) {
        nick = body + 2;
        l->kind = NC_MSG_ACTION;
        l->text = end + 1;
    } else if (body[0] == '-' && (end = strstr(body + 1, "- ")) && end > body + 1) {
        nick = body + 1;
        l->kind = NC_MSG_NOTICE;
        l->text = end + 2;
    } else {
        l->kind = NC_MSG_HISTORY;
        l->text = body;
        return;
    }
    l->sender = nick;
    l->sender_len = (gsize)(end - nick);
}

/* line (NUL-terminated) into its parts; FALSE for a line without the
 * "[YYYY-MM-DD HH:MM:SS...] " head, which is then all text. */
static gboolean split_line(const char *line, LogLine *l)
{
    memset(l, 0, sizeof *l);
    const char *close = line[0] == '[' ? strstr(line, "] ") : NULL;
    if (!close || close - line < 20) {
        split_body(line, l);
        return FALSE;
    }
    l->stamp = line + 1;
    const char *rest = line + 20;
    if (rest[0] == '.' && g_ascii_isdigit(rest[1]) && g_ascii_isdigit(rest[2]) &&
        g_ascii_isdigit(rest[3])) {
        l->millis = (rest[1] - '0') * 100 + (rest[2] - '0') * 10 + (rest[3] - '0');
        rest += 4;
    }
    if (strncmp(rest, " msgid=", 7) == 0 && rest + 7 < close) {
        l->msgid = rest + 7;
        l->msgid_len = (gsize)(close - l->msgid);
    }
    split_body(close + 2, l);
    return TRUE;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!g_ascii_isdigit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* The line's time in Unix microseconds (local time, as written), 0 when
 * it has none. */
static gint64 line_time(const LogLine *l, GTimeZone *tz)
{
    if (!l->stamp)
        return 0;
    const char *s = l->stamp;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0)
        return 0;
    g_autoptr(GDateTime) dt = g_date_time_new(tz, y, mo, d, h, mi, sec);
    if (!dt)
        return 0;
    return g_date_time_to_unix(dt) * G_USEC_PER_SEC + l->millis * 1000;
}

static NcMessage *line_message(const char *line, GTimeZone *tz)
{
    LogLine l;
    split_line(line, &l);
    g_autofree char *sender = l.sender ? g_strndup(l.sender, l.sender_len) : NULL;
    NcMessage *msg = nc_message_new(line_time(&l, tz), l.kind, NC_MSG_FLAG_NONE, sender, l.text);
    if (l.msgid) {
        g_autofree char *id = g_strndup(l.msgid, l.msgid_len);
        nc_message_set_msgid(msg, id);
    }
    return msg;
}

void nc_log_hit_free(NcLogHit *hit)
{
    if (!hit)
        return;
    g_free(hit->buffer);
    g_clear_object(&hit->message);
    g_free(hit->text);
    g_clear_pointer(&hit->spans, g_array_unref);
    g_free(hit->path);
    g_free(hit);
}

/* ---- searching the logs --------------------------------------------- */

/* One day's file of one conversation. */
typedef struct {
    char *day; /* "YYYY-MM-DD.log": sorts as the days do */
    char *buffer;
    char *path;
} LogFile;

static void log_file_free(gpointer p)
{
    LogFile *f = p;
    g_free(f->day);
    g_free(f->buffer);
    g_free(f->path);
    g_free(f);
}

static int log_file_newest_first(gconstpointer a, gconstpointer b)
{
    const LogFile *fa = *(LogFile *const *)a, *fb = *(LogFile *const *)b;
    int c = strcmp(fb->day, fa->day);
    return c ? c : strcmp(fa->buffer, fb->buffer);
}

static GPtrArray *list_log_files(const char *network_dir)
{
    GPtrArray *files = g_ptr_array_new_with_free_func(log_file_free);
    g_autoptr(GDir) top = g_dir_open(network_dir, 0, NULL);
    const char *buffer;
    while (top && (buffer = g_dir_read_name(top))) {
        g_autofree char *dir = g_build_filename(network_dir, buffer, NULL);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d))) {
            if (!g_str_has_suffix(name, ".log"))
                continue;
            LogFile *f = g_new0(LogFile, 1);
            f->day = g_strdup(name);
            f->buffer = g_strdup(buffer);
            f->path = g_build_filename(dir, name, NULL);
            g_ptr_array_add(files, f);
        }
    }
    g_ptr_array_sort(files, log_file_newest_first);
    return files;
}

/* A matching line before it becomes a hit: most of a day's candidates
 * are dropped by the cap, so only the survivors are parsed in full. */
typedef struct {
    guint file; /* index in the day's contents */
    guint line;
    const char *start; /* the line in the file's contents, NUL-terminated */
    gint64 time_us;
} Candidate;

static int candidate_newest_first(gconstpointer a, gconstpointer b)
{
    const Candidate *ca = a, *cb = b;
    if (ca->time_us != cb->time_us)
        return ca->time_us < cb->time_us ? 1 : -1;
    /* Equal times: the later line in the file is the newer. */
    if (ca->file != cb->file)
        return ca->file < cb->file ? -1 : 1;
    return ca->line < cb->line ? 1 : (ca->line > cb->line ? -1 : 0);
}

typedef struct {
    char *network_dir;
    Needle needle;
    guint max_hits;
    NcLogHitsFunc on_hits;
    gpointer user_data;
    /* results, set by the worker before its last report */
    guint total;
    gboolean more;
} LogSearch;

static void log_search_free(gpointer p)
{
    LogSearch *ls = p;
    g_free(ls->network_dir);
    needle_clear(&ls->needle);
    g_free(ls);
}

/* A batch (or, with hits NULL, the end) on its way to the caller's context. */
typedef struct {
    GTask *task;
    GPtrArray *hits;
} Report;

static gboolean deliver_report(gpointer p)
{
    Report *r = p;
    LogSearch *ls = g_task_get_task_data(r->task);
    if (r->hits) {
        if (!g_cancellable_is_cancelled(g_task_get_cancellable(r->task)) && ls->on_hits)
            ls->on_hits(r->hits, ls->user_data);
    } else if (!g_task_return_error_if_cancelled(r->task)) {
        g_task_return_boolean(r->task, TRUE);
    }
    return G_SOURCE_REMOVE;
}

static void report_free(gpointer p)
{
    Report *r = p;
    g_clear_pointer(&r->hits, g_ptr_array_unref);
    g_object_unref(r->task);
    g_free(r);
}

/* Batches and the end go through one queue of idles on the caller's
 * context, so they arrive in the order sent. */
static void send_report(GTask *task, GPtrArray *hits)
{
    Report *r = g_new0(Report, 1);
    r->task = g_object_ref(task);
    r->hits = hits;
    g_main_context_invoke_full(g_task_get_context(task), g_task_get_priority(task),
                               deliver_report, r, report_free);
}

static NcLogHit *make_hit(const LogFile *f, const Candidate *c, const Needle *n, Scratch *s,
                          GTimeZone *tz)
{
    NcLogHit *hit = g_new0(NcLogHit, 1);
    hit->buffer = g_strdup(f->buffer);
    hit->path = g_strdup(f->path);
    hit->line = c->line;
    hit->message = line_message(c->start, tz);
    hit->text = nc_format_strip(nc_message_get_text(hit->message));
    hit->spans = g_array_new(FALSE, FALSE, sizeof(NcSearchSpan));
    find_in_visible(n, hit->text, strlen(hit->text), s, hit->spans);
    return hit;
}

/* The matching lines of one file, added to candidates. */
static void scan_file(LogSearch *ls, guint file_index, char *contents, Scratch *s,
                      GTimeZone *tz, GArray *candidates, GCancellable *cancellable)
{
    guint line_no = 0;
    for (char *line = contents; *line; line_no++) {
        char *eol = strchr(line, '\n');
        if (eol)
            *eol = '\0';
        /* Cancellation is checked every few thousand lines: often enough
         * to stop at once, rarely enough to cost nothing. */
        if ((line_no & 0xfff) == 0 && g_cancellable_is_cancelled(cancellable))
            return;
        LogLine l;
        split_line(line, &l);
        g_autofree char *owned = NULL;
        const char *text = visible_text(l.text, &owned);
        if (find_in_visible(&ls->needle, text, strlen(text), s, NULL)) {
            Candidate c = {file_index, line_no, line, line_time(&l, tz)};
            g_array_append_val(candidates, c);
        }
        if (!eol)
            break;
        line = eol + 1;
    }
}

static void search_logs_thread(GTask *task, gpointer source, gpointer task_data,
                               GCancellable *cancellable)
{
    LogSearch *ls = task_data;
    g_autoptr(GPtrArray) files = list_log_files(ls->network_dir);
    g_autoptr(GTimeZone) tz = g_time_zone_new_local();
    Scratch s;
    scratch_init(&s);
    g_autoptr(GArray) candidates = g_array_new(FALSE, FALSE, sizeof(Candidate));
    g_autoptr(GPtrArray) contents = g_ptr_array_new_with_free_func(g_free);
    /* Day by day, newest first: every line of a day is newer than every
     * line of the days before it, whichever conversation it is in. */
    for (guint first = 0; first < files->len && !ls->more;) {
        guint last = first;
        const LogFile *day = files->pdata[first];
        while (last + 1 < files->len &&
               strcmp(((LogFile *)files->pdata[last + 1])->day, day->day) == 0)
            last++;
        g_array_set_size(candidates, 0);
        g_ptr_array_set_size(contents, 0);
        for (guint i = first; i <= last; i++) {
            const LogFile *f = files->pdata[i];
            char *text = NULL;
            if (!g_file_get_contents(f->path, &text, NULL, NULL))
                text = g_strdup("");
            g_ptr_array_add(contents, text);
            scan_file(ls, i - first, text, &s, tz, candidates, cancellable);
        }
        if (g_cancellable_is_cancelled(cancellable))
            break;
        g_array_sort(candidates, candidate_newest_first);
        guint room = ls->max_hits - ls->total;
        guint take = MIN(room, candidates->len);
        ls->more = candidates->len > room;
        if (take > 0) {
            GPtrArray *hits = g_ptr_array_new_with_free_func((GDestroyNotify)nc_log_hit_free);
            for (guint i = 0; i < take; i++) {
                const Candidate *c = &g_array_index(candidates, Candidate, i);
                g_ptr_array_add(hits, make_hit(files->pdata[first + c->file], c, &ls->needle,
                                               &s, tz));
            }
            ls->total += take;
            send_report(task, hits);
        }
        first = last + 1;
    }
    scratch_clear(&s);
    send_report(task, NULL);
}

char *nc_search_log_dir(NcLogger *logger, const char *network)
{
    /* The logger alone knows how it names folders: ask it for a file's
     * path and climb out of the day and the conversation. */
    g_autofree char *some_file = nc_logger_path(logger, network, "_", 0);
    g_autofree char *buffer_dir = g_path_get_dirname(some_file);
    return g_path_get_dirname(buffer_dir);
}

void nc_search_logs_async(const char *network_dir, const char *query, guint max_hits,
                          GCancellable *cancellable, NcLogHitsFunc on_hits,
                          GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    LogSearch *ls = g_new0(LogSearch, 1);
    ls->network_dir = g_strdup(network_dir);
    needle_init(&ls->needle, query);
    ls->max_hits = max_hits ? max_hits : NC_SEARCH_LOG_MAX_HITS;
    ls->on_hits = on_hits;
    ls->user_data = user_data;
    g_task_set_task_data(task, ls, log_search_free);
    if (ls->needle.len == 0) {
        g_task_return_boolean(task, TRUE);
    } else {
        g_task_run_in_thread(task, search_logs_thread);
    }
    g_object_unref(task);
}

gboolean nc_search_logs_finish(GAsyncResult *result, guint *total, gboolean *more,
                               GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
    GTask *task = G_TASK(result);
    LogSearch *ls = g_task_get_task_data(task);
    if (!g_task_propagate_boolean(task, error))
        return FALSE;
    if (total)
        *total = ls->total;
    if (more)
        *more = ls->more;
    return TRUE;
}

/* Lines [first, last] of the file at path, as NUL-terminated copies (fewer
 * when the file is shorter), or NULL when it cannot be read.  The file is
 * read in blocks and only newlines are counted up to first, so a busy
 * day's file costs a memchr() pass up to the lines wanted, not a split
 * of every line. */
static GPtrArray *read_lines(const char *path, guint64 first, guint64 last)
{
    FILE *file = g_fopen(path, "rb");
    if (!file)
        return NULL;
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    GString *line = g_string_new(NULL);
    guint64 line_no = 0;
    char block[64 * 1024];
    size_t got;
    while (line_no <= last && (got = fread(block, 1, sizeof block, file)) > 0) {
        const char *p = block, *end = block + got;
        while (p < end && line_no <= last) {
            const char *eol = memchr(p, '\n', (size_t)(end - p));
            const char *stop = eol ? eol : end;
            if (line_no >= first)
                g_string_append_len(line, p, stop - p);
            if (!eol)
                break; /* the line goes on in the next block */
            if (line_no >= first) {
                g_ptr_array_add(lines, g_string_free(line, FALSE));
                line = g_string_new(NULL);
            }
            line_no++;
            p = eol + 1;
        }
    }
    /* A last line without its newline (the logger may be writing it). */
    if (line_no >= first && line_no <= last && line->len > 0)
        g_ptr_array_add(lines, g_string_free(line, FALSE));
    else
        g_string_free(line, TRUE);
    fclose(file);
    return lines;
}

GPtrArray *nc_search_log_context(const NcLogHit *hit, guint before, guint after, guint *index)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_object_unref);
    if (index)
        *index = 0;
    guint first = hit->line > before ? hit->line - before : 0;
    g_autoptr(GPtrArray) lines = read_lines(hit->path, first, (guint64)hit->line + after);
    if (!lines)
        return out;
    g_autoptr(GTimeZone) tz = g_time_zone_new_local();
    for (guint i = 0; i < lines->len; i++) {
        const char *line = lines->pdata[i];
        if (!*line)
            continue;
        if (first + i == hit->line && index)
            *index = out->len;
        g_ptr_array_add(out, line_message(line, tz));
    }
    return out;
}
