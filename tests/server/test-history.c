/* SPDX-License-Identifier: MIT */
/*
 * Message IDs, the conversation history and read markers on a real SQLite
 * store (in memory, or a file where a restart or the rows matter):
 * CHATHISTORY's subcommands, bounds, limits and failures,
 * draft/event-playback, private history per account, TARGETS, [history]
 * channel_access and retention, MARKREAD, and msgids that stay unique and
 * ordered when the wall clock steps back or the server restarts.  Every
 * message is said a second after the previous one (the fake wall clock),
 * so a timestamp names one message.
 */
#include "fake-store.h"
#include "helpers.h"
#include "history.h"
#include "numerics.h"
#include "scram-client.h"
#include "store-sqlite.h"
#include "timefmt.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char db_path[256];
static unsigned db_counter;

/* A fresh database file for one test (in the test's working folder). */
static const char *fresh_db(void)
{
    snprintf(db_path, sizeof db_path, "test-history-%u.db", ++db_counter);
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s%s", db_path, suffixes[i]);
        remove(p);
    }
    return db_path;
}

/* Connect with caps (may be ""), register as nick, the welcome asserted
 * and the lines cleared.  With account, log in with SASL PLAIN first. */
static fake_conn *connect_as(srv_server *s, const char *nick, const char *account, const char *caps)
{
    fake_conn *c = fake_connect(s, "10.0.0.1");
    CU_ASSERT_FATAL(c->client != NULL);
    snprintf(c->name, sizeof c->name, "%s", nick);
    fake_send(c, "CAP LS 302");
    if (account || caps[0])
        fake_send(c, "CAP REQ :%s%s", account ? "sasl " : "", caps);
    fake_send(c, "NICK %s", nick);
    fake_send(c, "USER %s 0 * :Real %s", nick, nick);
    if (account) {
        char enc[400], password[64];
        snprintf(password, sizeof password, "%s-password", account);
        CU_ASSERT_FATAL(sasl_plain_b64(account, password, enc, sizeof enc) == 0);
        fake_send(c, "AUTHENTICATE PLAIN");
        fake_send(c, "AUTHENTICATE %s", enc);
        if (!fake_has_numeric(c, RPL_SASLSUCCESS))
            fake_dump(c);
        CU_ASSERT_FATAL(fake_has_numeric(c, RPL_SASLSUCCESS));
    }
    fake_send(c, "CAP END");
    if (!fake_has_numeric(c, 1))
        fake_dump(c);
    CU_ASSERT_FATAL(fake_has_numeric(c, 1));
    fake_clear(c);
    return c;
}

/* Register the account name (password "<name>-password"). */
static void make_account(srv_server *s, const char *name)
{
    fake_conn *c = fake_register(s, name);
    fake_send(c, "REGISTER * * %s-password", name);
    EXPECT_LINE(c, "REGISTER SUCCESS");
    fake_send(c, "QUIT");
}

#define READER_CAPS "batch server-time message-tags draft/chathistory"
#define PLAYBACK_CAPS READER_CAPS " draft/event-playback"

/* A server on the store at path (conf added) with the accounts alice and
 * bob, logged in as a (with caps_a) and b (with READER_CAPS). */
static srv_server *alice_and_bob(const char *path, const char *conf, const char *caps_a,
                                 fake_conn **a, fake_conn **b)
{
    srv_server *s = fake_server_with_store(path, conf);
    make_account(s, "alice");
    make_account(s, "bob");
    *a = connect_as(s, "alice", "alice", caps_a);
    *b = connect_as(s, "bob", "bob", READER_CAPS);
    return s;
}

/* The value of tag name on line (into out), or 0 when it has none. */
static int tag_value(const char *line, const char *name, char *out, size_t size)
{
    if (!line || line[0] != '@')
        return 0;
    const char *end = strchr(line, ' ');
    size_t nlen = strlen(name);
    for (const char *p = line + 1; p && p < end; p = strchr(p, ';'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            const char *v = p + nlen + 1;
            size_t n = strcspn(v, "; ");
            snprintf(out, size, "%.*s", (int)n, v);
            return 1;
        }
    }
    return 0;
}

/* The msgid of the last line fc received (asserted present). */
static void last_msgid(const fake_conn *fc, char *out)
{
    out[0] = '\0';
    CU_ASSERT_FATAL(fc->nlines > 0);
    int found = tag_value(fc->lines[fc->nlines - 1], "msgid", out, SRV_MSGID_LEN + 1);
    if (!found)
        fake_dump(fc);
    CU_ASSERT_FATAL(found);
}

/* The part of a line after its tags and source: "COMMAND params". */
static const char *command_of(const char *line)
{
    if (line[0] == '@')
        line = strchr(line, ' ') + 1;
    if (line[0] == ':')
        line = strchr(line, ' ') + 1;
    return line;
}

/*
 * What one chathistory batch held, checked for its framing: the batch
 * opened once (of type what), every line inside tagged with its id and
 * closed last.  PRIVMSG/NOTICE show as their text, other commands as
 * their name, joined by ','.  Returns out ("<no batch>" when none).
 */
static const char *batch_summary(const fake_conn *fc, const char *what, char *out, size_t size)
{
    char id[32] = "", tag[40];
    size_t used = 0;
    int closed = 0, ok = 1;
    snprintf(out, size, "<no batch>");
    for (size_t i = 0; i < fc->nlines; i++) {
        const char *line = fc->lines[i];
        const char *cmd = command_of(line);
        if (strncmp(cmd, "BATCH +", 7) == 0) {
            ok &= !id[0] && strstr(cmd, what) != NULL;
            snprintf(id, sizeof id, "%.*s", (int)strcspn(cmd + 7, " "), cmd + 7);
            out[0] = '\0';
            continue;
        }
        if (strncmp(cmd, "BATCH -", 7) == 0) {
            ok &= id[0] && strcmp(cmd + 7, id) == 0 && !closed;
            closed = 1;
            continue;
        }
        if (!id[0] || closed) {
            ok &= strncmp(cmd, "FAIL", 4) != 0;
            continue;
        }
        ok &= tag_value(line, "batch", tag, sizeof tag) && strcmp(tag, id) == 0;
        const char *text = NULL;
        if (strncmp(cmd, "PRIVMSG ", 8) == 0 || strncmp(cmd, "NOTICE ", 7) == 0)
            text = strstr(cmd, " :");
        int n = text ? snprintf(out + used, size - used, "%s%s", used ? "," : "", text + 2)
                     : snprintf(out + used, size - used, "%s%.*s", used ? "," : "",
                                (int)strcspn(cmd, " "), cmd);
        if (n > 0 && (size_t)n < size - used)
            used += (size_t)n;
    }
    if (id[0] && (!closed || !ok)) {
        fake_dump(fc);
        snprintf(out, size, "<bad batch>");
    }
    return out;
}

#define EXPECT_BATCH(fc, what, expected)                                                       \
    do {                                                                                       \
        char got_[2048];                                                                       \
        batch_summary((fc), (what), got_, sizeof got_);                                        \
        CU_ASSERT_STRING_EQUAL(got_, (expected));                                              \
        if (strcmp(got_, (expected)) != 0)                                                     \
            printf("\n  batch \"%s\", expected \"%s\" at %s:%d\n", got_, (expected), __FILE__, \
                   __LINE__);                                                                  \
    } while (0)

/* Ask and check: fake_clear, the command, the batch's summary. */
#define EXPECT_HISTORY(fc, command, expected)          \
    do {                                               \
        fake_clear(fc);                                \
        fake_send((fc), "%s", (command));              \
        EXPECT_BATCH((fc), "chathistory", (expected)); \
    } while (0)

/* One second later, from says text to target. */
static void say(fake_conn *from, const char *target, const char *text)
{
    fake_wall_us += 1000000;
    fake_send(from, "PRIVMSG %s :%s", target, text);
}

/* The server-time form of a wall-clock time. */
static void stamp(int64_t us, char *out, size_t size)
{
    srv_time_iso8601(us, out, size);
}

/* EXPECT_HISTORY for "CHATHISTORY <sub_target> timestamp=<us's time> <limit>". */
#define EXPECT_HISTORY_AT(fc, sub_target, us, limit, expected)                                \
    do {                                                                                      \
        char t_[40], c_[200];                                                                 \
        stamp((us), t_, sizeof t_);                                                           \
        snprintf(c_, sizeof c_, "CHATHISTORY %s timestamp=%s %d", (sub_target), t_, (limit)); \
        EXPECT_HISTORY((fc), c_, (expected));                                                 \
    } while (0)

/* ---- message IDs ---- */

static void test_msgid_text(void)
{
    char id[SRV_MSGID_LEN + 1];
    int64_t back;
    const int64_t samples[] = {1, 31, 32, INT64_C(1700000000123456), INT64_MAX};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        srv_msgid_format(samples[i], id);
        CU_ASSERT_EQUAL(strlen(id), SRV_MSGID_LEN);
        CU_ASSERT_EQUAL(srv_msgid_parse(id, &back), 0);
        CU_ASSERT_EQUAL(back, samples[i]);
    }
    /* Sortable as text: a later ID is a larger string. */
    char a[SRV_MSGID_LEN + 1], b[SRV_MSGID_LEN + 1];
    srv_msgid_format(INT64_C(1700000000123456), a);
    srv_msgid_format(INT64_C(1700000000123457), b);
    CU_ASSERT(strcmp(a, b) < 0);
    const char *bad[] = {"",
                         "0",
                         "0000000000000",
                         "00000000000001",
                         "000000000000i",
                         "000000000000U",
                         "g000000000000",
                         "8000000000000",
                         "zzzzzzzzzzzzz"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT_EQUAL(srv_msgid_parse(bad[i], &back), -1);
}

/* Relayed messages and events carry a msgid for message-tags clients
 * only, one ID for everyone who receives the same message. */
static void test_msgid_tags(void)
{
    srv_server *s = fake_server_with_store(":memory:", NULL);
    fake_conn *a = connect_as(s, "alice", NULL, "message-tags");
    fake_conn *b = connect_as(s, "bob", NULL, "message-tags");
    fake_conn *p = connect_as(s, "plain", NULL, "");
    fake_send(a, "JOIN #t");
    fake_send(b, "JOIN #t");
    fake_send(p, "JOIN #t");
    fake_clear(a);
    fake_clear(b);
    fake_clear(p);
    say(a, "#t", "tagged");
    char ida[32], idb[32];
    last_msgid(b, idb);
    CU_ASSERT_EQUAL(p->nlines, 1);
    CU_ASSERT(p->lines[0][0] != '@');
    say(a, "bob", "private");
    last_msgid(b, ida);
    CU_ASSERT(strcmp(idb, ida) < 0);
    /* alice is the channel's operator; bob sees each event. */
    const char *events[] = {"TOPIC #t :new topic", "MODE #t +m", "KICK #t plain :bye",
                            "NICK alison",         "PART #t",    "JOIN #t",
                            "QUIT :gone"};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        fake_clear(b);
        fake_send(a, "%s", events[i]);
        char id[32];
        last_msgid(b, id);
        CU_ASSERT(strcmp(ida, id) < 0);
        snprintf(ida, sizeof ida, "%s", id);
    }
    fake_server_free(s);
}

/* IDs stay unique and increasing when two messages share a microsecond
 * and when the wall clock steps back. */
static void test_msgid_monotonic(void)
{
    srv_server *s = fake_server_with_store(NULL, NULL);
    fake_conn *a = connect_as(s, "alice", NULL, "message-tags");
    fake_conn *b = connect_as(s, "bob", NULL, "message-tags");
    char prev[32] = "", id[32];
    int64_t prev_n = 0, n = 0;
    for (int i = 0; i < 6; i++) {
        if (i == 2)
            fake_wall_us -= 3600 * INT64_C(1000000); /* an NTP step back */
        if (i == 4)
            fake_wall_us += 10;
        fake_send(a, "PRIVMSG bob :m%d", i); /* same microsecond each time */
        last_msgid(b, id);
        CU_ASSERT_EQUAL(srv_msgid_parse(id, &n), 0);
        CU_ASSERT(n > prev_n);
        CU_ASSERT(strcmp(prev, id) < 0);
        snprintf(prev, sizeof prev, "%s", id);
        prev_n = n;
    }
    fake_wall_us += 3600 * INT64_C(1000000);
    int64_t x = srv_msgid_next(s), y = srv_msgid_next(s);
    CU_ASSERT(x > prev_n && y == x + 1);
    fake_server_free(s);
}

/* ---- CHATHISTORY ---- */

static void test_isupport(void)
{
    srv_server *s = fake_server_with_store(":memory:", "[history]\nquery_limit = 42\n");
    fake_conn *c = fake_connect(s, "10.0.0.1");
    fake_send(c, "NICK a");
    fake_send(c, "USER a 0 * :a");
    EXPECT_LINE(c, " CHATHISTORY=42 ");
    EXPECT_LINE(c, " MSGREFTYPES=timestamp,msgid ");
    fake_send(c, "CAP LS 302");
    EXPECT_LINE(c, "draft/chathistory");
    fake_server_free(s);
    const char *off[] = {NULL, "[history]\nenabled = false\n"};
    for (size_t i = 0; i < 2; i++) {
        s = fake_server_with_store(off[i] ? ":memory:" : NULL, off[i]);
        c = fake_connect(s, "10.0.0.1");
        fake_send(c, "NICK a");
        fake_send(c, "USER a 0 * :a");
        EXPECT_NUMERIC(c, RPL_ISUPPORT);
        EXPECT_NO_LINE(c, "CHATHISTORY=");
        EXPECT_NO_LINE(c, "MSGREFTYPES");
        fake_send(c, "CAP LS 302");
        EXPECT_NO_LINE(c, "draft/chathistory");
        fake_server_free(s);
    }
}

/* A channel #h with m1..m12 said a second apart; ids[i] is mi's msgid
 * and times[i] its time. */
typedef struct history_fixture {
    srv_server *s;
    fake_conn *speaker, *reader;
    char ids[13][32];
    int64_t times[13];
} history_fixture;

static void fixture_open(history_fixture *f, const char *conf, const char *caps)
{
    f->s = fake_server_with_store(":memory:", conf);
    f->speaker = connect_as(f->s, "speaker", NULL, "");
    f->reader = connect_as(f->s, "reader", NULL, caps);
    fake_send(f->speaker, "JOIN #h");
    fake_send(f->reader, "JOIN #h");
    for (int i = 1; i <= 12; i++) {
        char text[8];
        snprintf(text, sizeof text, "m%d", i);
        say(f->speaker, "#h", text);
        f->times[i] = fake_wall_us;
        last_msgid(f->reader, f->ids[i]);
    }
}

/* A command with references written as id:N (mN's msgid), ts:N (mN's
 * time) and half:N (half a second after mN) made real. */
static void expand(const history_fixture *f, const char *tmpl, char *out, size_t size)
{
    size_t used = 0;
    while (*tmpl && used + 1 < size) {
        int n, len = 0;
        char when[40];
        const char *text = NULL;
        if (sscanf(tmpl, "id:%d%n", &n, &len) == 1 && n >= 1 && n <= 12) {
            snprintf(when, sizeof when, "msgid=%s", f->ids[n]);
            text = when;
        } else if (sscanf(tmpl, "ts:%d%n", &n, &len) == 1 && n >= 1 && n <= 12) {
            memcpy(when, "timestamp=", 10);
            stamp(f->times[n], when + 10, sizeof when - 10);
            text = when;
        } else if (sscanf(tmpl, "half:%d%n", &n, &len) == 1 && n >= 1 && n <= 12) {
            memcpy(when, "timestamp=", 10);
            stamp(f->times[n] + 500000, when + 10, sizeof when - 10);
            text = when;
        }
        if (text && len > 0) {
            used += (size_t)snprintf(out + used, size - used, "%s", text);
            tmpl += len;
        } else {
            out[used++] = *tmpl++;
        }
    }
    out[used < size ? used : size - 1] = '\0';
}

static void test_subcommands(void)
{
    history_fixture f;
    fixture_open(&f, "[history]\nquery_limit = 10\n", READER_CAPS);
    fake_conn *r = f.reader;
    static const struct {
        const char *query, *expected;
    } cases[] = {
        /* LATEST: the newest, in ascending order; limits capped at query_limit. */
        {"LATEST #h * 3", "m10,m11,m12"},
        {"LATEST #h * 1000", "m3,m4,m5,m6,m7,m8,m9,m10,m11,m12"},
        {"LATEST #h id:8 100", "m9,m10,m11,m12"},
        {"LATEST #h ts:8 2", "m11,m12"},
        /* BEFORE and AFTER exclude the reference, by msgid or by time. */
        {"BEFORE #h id:5 2", "m3,m4"},
        {"BEFORE #h ts:5 10", "m1,m2,m3,m4"},
        {"AFTER #h id:5 2", "m6,m7"},
        {"AFTER #h ts:5 3", "m6,m7,m8"},
        {"AFTER #h id:12 5", ""},
        {"BEFORE #h id:1 5", ""},
        /* A time between two messages. */
        {"AFTER #h half:5 1", "m6"},
        {"BEFORE #h half:5 1", "m5"},
        /* AROUND: the reference with the messages either side of it;
         * near an end, the rest of the limit from the other side. */
        {"AROUND #h id:6 4", "m4,m5,m6,m7"},
        {"AROUND #h ts:5 3", "m4,m5,m6"},
        {"AROUND #h id:6 1", "m6"},
        {"AROUND #h id:12 4", "m10,m11,m12"},
        {"AROUND #h id:1 4", "m1,m2,m3,m4"},
        {"AROUND #h id:6 1000", "m1,m2,m3,m4,m5,m6,m7,m8,m9,m10"},
        {"AROUND #h half:6 2", "m5,m6"}, /* the half with the reference first */
        /* BETWEEN: exclusive both ends, from the first reference towards
         * the second, answered in ascending order either way. */
        {"BETWEEN #h id:3 id:8 10", "m4,m5,m6,m7"},
        {"BETWEEN #h id:3 id:8 2", "m4,m5"},
        {"BETWEEN #h id:8 id:3 2", "m6,m7"},
        {"BETWEEN #h ts:8 ts:3 10", "m4,m5,m6,m7"},
        {"BETWEEN #h ts:3 id:8 3", "m4,m5,m6"},
        {"BETWEEN #h id:4 id:5 10", ""},
        {"BETWEEN #h id:5 id:5 10", ""},
        /* The ends of the ranges msgids and timestamps can name. */
        {"AROUND #h msgid=7zzzzzzzzzzzz 2", "m11,m12"},
        {"BEFORE #h msgid=7zzzzzzzzzzzz 1", "m12"},
        {"AFTER #h msgid=7zzzzzzzzzzzz 1", ""},
        {"LATEST #h msgid=0000000000001 1", "m12"},
        {"AROUND #h msgid=0000000000001 1", "m1"},
        {"AROUND #h timestamp=9999-12-31T23:59:59.999Z 1", "m12"},
        {"BETWEEN #h timestamp=9999-12-31T23:59:59.999Z msgid=7zzzzzzzzzzzz 5", ""},
        {"BETWEEN #h msgid=0000000000001 msgid=7zzzzzzzzzzzz 1", "m1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cmd[300];
        memcpy(cmd, "CHATHISTORY ", 12);
        expand(&f, cases[i].query, cmd + 12, sizeof cmd - 12);
        EXPECT_HISTORY(r, cmd, cases[i].expected);
    }
    /* Every replayed line keeps its msgid and time, and names the target
     * as the client did. */
    EXPECT_HISTORY(r, "CHATHISTORY LATEST #H * 1000", "m3,m4,m5,m6,m7,m8,m9,m10,m11,m12");
    CU_ASSERT_EQUAL(fake_count(r, f.ids[12]), 1);
    EXPECT_LINE(r, " BATCH +");
    EXPECT_LINE(r, " chathistory #H");
    char tm[40], t5[40];
    stamp(f.times[5], t5, sizeof t5);
    CU_ASSERT(tag_value(fake_find(r, f.ids[5]), "time", tm, sizeof tm));
    CU_ASSERT_STRING_EQUAL(tm, t5);
    fake_server_free(f.s);
}

/* Without batch the lines come bare; without server-time or
 * message-tags, without those tags. */
static void test_reply_tags(void)
{
    history_fixture f;
    fixture_open(&f, NULL, READER_CAPS);
    fake_conn *p = connect_as(f.s, "plainer", NULL, "draft/chathistory");
    fake_send(p, "JOIN #h");
    fake_clear(p);
    fake_send(p, "CHATHISTORY LATEST #h * 2");
    CU_ASSERT_EQUAL(p->nlines, 2);
    if (p->nlines == 2) {
        CU_ASSERT_STRING_EQUAL(p->lines[0], ":speaker!~speaker@10.0.0.1 PRIVMSG #h :m11");
        CU_ASSERT_STRING_EQUAL(p->lines[1], ":speaker!~speaker@10.0.0.1 PRIVMSG #h :m12");
    } else {
        fake_dump(p);
    }
    fake_server_free(f.s);
}

static void test_failures(void)
{
    history_fixture f;
    fixture_open(&f, NULL, READER_CAPS);
    fake_conn *r = f.reader;
    fake_conn *o = connect_as(f.s, "outsider", NULL, READER_CAPS);
    static const struct {
        const char *command, *reply;
    } cases[] = {
        {"CHATHISTORY", "FAIL CHATHISTORY NEED_MORE_PARAMS * :"},
        {"CHATHISTORY LATEST #h *", "FAIL CHATHISTORY NEED_MORE_PARAMS LATEST :"},
        {"CHATHISTORY BETWEEN #h timestamp=2023-01-01T00:00:00.000Z 10",
         "FAIL CHATHISTORY NEED_MORE_PARAMS BETWEEN :"},
        {"CHATHISTORY TARGETS timestamp=2023-01-01T00:00:00.000Z 10",
         "FAIL CHATHISTORY NEED_MORE_PARAMS TARGETS :"},
        {"CHATHISTORY SOMETIME #h * 10", "FAIL CHATHISTORY UNKNOWN_COMMAND SOMETIME :"},
        {"CHATHISTORY BEFORE #h * 10", "FAIL CHATHISTORY INVALID_PARAMS BEFORE :"},
        {"CHATHISTORY BEFORE #h bogus 10", "FAIL CHATHISTORY INVALID_PARAMS BEFORE :"},
        {"CHATHISTORY BEFORE #h msgid=nope 10", "FAIL CHATHISTORY INVALID_PARAMS BEFORE :"},
        {"CHATHISTORY BEFORE #h msgid=0000000000000 10",
         "FAIL CHATHISTORY INVALID_PARAMS BEFORE :"},
        {"CHATHISTORY AFTER #h timestamp=yesterday 10", "FAIL CHATHISTORY INVALID_PARAMS AFTER :"},
        {"CHATHISTORY AFTER #h timestamp=2023-13-45T99:00:00.000Z 10",
         "FAIL CHATHISTORY INVALID_PARAMS AFTER :"},
        {"CHATHISTORY LATEST #h * 0", "FAIL CHATHISTORY INVALID_PARAMS LATEST :"},
        {"CHATHISTORY LATEST #h * -5", "FAIL CHATHISTORY INVALID_PARAMS LATEST :"},
        {"CHATHISTORY LATEST #h * ten", "FAIL CHATHISTORY INVALID_PARAMS LATEST :"},
        {"CHATHISTORY LATEST #h * 10x", "FAIL CHATHISTORY INVALID_PARAMS LATEST :"},
        {"CHATHISTORY AROUND #h * 10", "FAIL CHATHISTORY INVALID_PARAMS AROUND :"},
        {"CHATHISTORY BETWEEN #h * * 10", "FAIL CHATHISTORY INVALID_PARAMS BETWEEN :"},
        {"CHATHISTORY TARGETS msgid=0000000000001 timestamp=2023-01-01T00:00:00.000Z 10",
         "FAIL CHATHISTORY INVALID_PARAMS TARGETS :"},
        {"CHATHISTORY TARGETS timestamp=2023-01-01T00:00:00.000Z * 10",
         "FAIL CHATHISTORY INVALID_PARAMS TARGETS :"},
        {"CHATHISTORY TARGETS timestamp=2023-01-01T00:00:00.000Z "
         "timestamp=2024-01-01T00:00:00.000Z 0",
         "FAIL CHATHISTORY INVALID_PARAMS TARGETS :"},
        /* Not logged in: no private history to read. */
        {"CHATHISTORY LATEST speaker * 10", "FAIL CHATHISTORY INVALID_TARGET LATEST speaker :"},
        {"CHATHISTORY LATEST #nowhere * 10", "FAIL CHATHISTORY INVALID_TARGET LATEST #nowhere :"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_clear(r);
        fake_send(r, "%s", cases[i].command);
        EXPECT_LINE(r, cases[i].reply);
        EXPECT_NO_LINE(r, "BATCH");
        CU_ASSERT_EQUAL(r->nlines, 1);
    }
    /* A channel one is not in says nothing about itself, not even that it
     * exists: the same failure as one that does not. */
    fake_send(o, "CHATHISTORY LATEST #h * 10");
    EXPECT_LINE(o, "FAIL CHATHISTORY INVALID_TARGET LATEST #h :Messages could not be retrieved");
    EXPECT_NO_LINE(o, "m12");
    char cmd[200];
    fake_clear(o);
    snprintf(cmd, sizeof cmd, "CHATHISTORY AROUND #h msgid=%s 10", f.ids[3]);
    fake_send(o, "%s", cmd);
    EXPECT_LINE(o, "FAIL CHATHISTORY INVALID_TARGET AROUND #h :");
    CU_ASSERT_EQUAL(o->nlines, 1);
    /* After a PART, the channel is closed to it too. */
    fake_send(r, "PART #h");
    fake_clear(r);
    fake_send(r, "CHATHISTORY LATEST #h * 10");
    EXPECT_LINE(r, "FAIL CHATHISTORY INVALID_TARGET LATEST #h :");
    fake_server_free(f.s);

    /* History off (no store, or [history] enabled = false). */
    const char *off[] = {NULL, "[history]\nenabled = false\n"};
    for (size_t i = 0; i < 2; i++) {
        srv_server *s = fake_server_with_store(off[i] ? ":memory:" : NULL, off[i]);
        fake_conn *c = connect_as(s, "c", NULL, "batch");
        fake_send(c, "JOIN #h");
        say(c, "#h", "not kept");
        fake_clear(c);
        fake_send(c, "CHATHISTORY LATEST #h * 10");
        EXPECT_LINE(c, "FAIL CHATHISTORY MESSAGE_ERROR LATEST * :");
        fake_send(c, "CHATHISTORY TARGETS timestamp=2023-01-01T00:00:00.000Z "
                     "timestamp=2024-01-01T00:00:00.000Z 10");
        EXPECT_LINE(c, "FAIL CHATHISTORY MESSAGE_ERROR TARGETS * :");
        EXPECT_NO_LINE(c, "BATCH");
        fake_server_free(s);
    }
}

/* draft/event-playback: the channel's events only for clients with it;
 * TAGMSG only for message-tags clients; typing notifications never. */
static void test_event_playback(void)
{
    srv_server *s = fake_server_with_store(":memory:", NULL);
    fake_conn *op = connect_as(s, "op", NULL, "message-tags");
    fake_conn *v = connect_as(s, "victim", NULL, "");
    fake_conn *w = connect_as(s, "walker", NULL, "");
    /* Each a second after the previous one. */
    const struct {
        fake_conn *from;
        const char *line;
    } said[] = {
        {op, "JOIN #e"},
        {v, "JOIN #e"},
        {w, "JOIN #e"},
        {op, "PRIVMSG #e :hello"},
        {op, "@+typing=active TAGMSG #e"},
        {op, "@+draft/typing=active TAGMSG #e"},
        {op, "@+draft/react=x TAGMSG #e"},
        {op, "TOPIC #e :a topic"},
        {op, "MODE #e +m"},
        {op, "NOTICE #e :note"},
        {op, "KICK #e victim :out"},
        {w, "NICK runner"},
        {w, "PART #e :later"},
        {w, "JOIN #e"},
        {w, "QUIT :bye"},
    };
    for (size_t i = 0; i < sizeof said / sizeof said[0]; i++) {
        fake_wall_us += 1000000;
        fake_send(said[i].from, "%s", said[i].line);
    }

    fake_conn *all = connect_as(s, "all", NULL, PLAYBACK_CAPS);
    fake_conn *msgs = connect_as(s, "msgs", NULL, READER_CAPS);
    fake_conn *bare = connect_as(s, "bare", NULL, "batch server-time draft/chathistory");
    fake_send(all, "JOIN #e");
    fake_send(msgs, "JOIN #e");
    fake_send(bare, "JOIN #e");
    /* The JOINs just made are events too (with event-playback). */
    EXPECT_HISTORY(all, "CHATHISTORY LATEST #e * 100",
                   "JOIN,JOIN,JOIN,hello,TAGMSG,TOPIC,MODE,note,KICK,NICK,PART,JOIN,QUIT,"
                   "JOIN,JOIN,JOIN");
    EXPECT_LINE(all, ";+draft/react=x :op!~op@10.0.0.1 TAGMSG #e");
    EXPECT_LINE(all, " KICK #e victim :out");
    EXPECT_LINE(all, ":walker!~walker@10.0.0.1 NICK :runner");
    EXPECT_LINE(all, ":runner!~walker@10.0.0.1 QUIT :Quit: bye");
    EXPECT_NO_LINE(all, "typing");
    EXPECT_HISTORY(msgs, "CHATHISTORY LATEST #e * 100", "hello,TAGMSG,note");
    EXPECT_HISTORY(bare, "CHATHISTORY LATEST #e * 100", "hello,note");
    /* The limit counts only what is replayed. */
    EXPECT_HISTORY(msgs, "CHATHISTORY LATEST #e * 2", "TAGMSG,note");
    EXPECT_HISTORY(bare, "CHATHISTORY LATEST #e * 2", "hello,note");
    EXPECT_HISTORY_AT(bare, "AFTER #e", fake_wall_us - 20 * 1000000, 2, "hello,note");
    fake_server_free(s);
}

/* Private messages: kept under each logged-in party's account, both
 * directions, read from any connection of that account; a party that is
 * not logged in keeps nothing and reads nothing. */
static void test_private(void)
{
    fake_conn *a, *b;
    srv_server *s = alice_and_bob(":memory:", NULL, READER_CAPS, &a, &b);
    fake_conn *g = connect_as(s, "guest", NULL, READER_CAPS);
    say(a, "bob", "a->b");
    say(b, "alice", "b->a");
    say(a, "Guest", "a->g");
    say(g, "alice", "g->a");
    say(g, "bob", "g->b");
    fake_send(b, "NOTICE alice :notice b->a");
    EXPECT_HISTORY(a, "CHATHISTORY LATEST bob * 10", "a->b,b->a,notice b->a");
    EXPECT_HISTORY(a, "CHATHISTORY LATEST BOB * 10", "a->b,b->a,notice b->a");
    EXPECT_LINE(a, " chathistory BOB");
    EXPECT_HISTORY(a, "CHATHISTORY LATEST guest * 10", "a->g,g->a");
    EXPECT_HISTORY(b, "CHATHISTORY LATEST alice * 10", "a->b,b->a,notice b->a");
    EXPECT_HISTORY(b, "CHATHISTORY LATEST guest * 10", "g->b");
    EXPECT_HISTORY(b, "CHATHISTORY LATEST nobody * 10", "");
    /* To oneself: kept once. */
    say(a, "alice", "note to self");
    EXPECT_HISTORY(a, "CHATHISTORY LATEST alice * 10", "note to self");
    /* Another connection of alice's account, under another nick. */
    fake_conn *a2 = connect_as(s, "alice_phone", "alice", READER_CAPS);
    EXPECT_HISTORY(a2, "CHATHISTORY LATEST bob * 1", "notice b->a");
    /* The guest has no account: nothing kept for it, nothing to read. */
    fake_clear(g);
    fake_send(g, "CHATHISTORY LATEST alice * 10");
    EXPECT_LINE(g, "FAIL CHATHISTORY INVALID_TARGET LATEST alice :");
    fake_server_free(s);

    /* [history] private_messages = false: channels only. */
    s = alice_and_bob(":memory:", "[history]\nprivate_messages = false\n", READER_CAPS, &a, &b);
    say(a, "bob", "unkept");
    fake_send(a, "JOIN #c");
    say(a, "#c", "kept");
    fake_clear(b);
    fake_send(b, "CHATHISTORY LATEST alice * 10");
    EXPECT_LINE(b, "FAIL CHATHISTORY INVALID_TARGET LATEST alice :");
    EXPECT_HISTORY(a, "CHATHISTORY LATEST #c * 10", "kept");
    fake_server_free(s);
}

/* TARGETS: channels the client is in and its account's conversations,
 * ordered by their latest message, within the range and the limit; a
 * secret channel it is not in never shows. */
static void test_targets(void)
{
    fake_conn *a, *b;
    srv_server *s = alice_and_bob(":memory:", NULL, READER_CAPS, &a, &b);
    fake_send(a, "JOIN #secret");
    fake_send(a, "MODE #secret +s");
    fake_send(a, "JOIN #open");
    fake_send(b, "JOIN #open");
    fake_send(b, "JOIN #Quiet");
    fake_send(b, "JOIN #empty");
    int64_t start = fake_wall_us;
    say(b, "#quiet", "q1");
    say(a, "#open", "o1");
    say(a, "#secret", "s1");
    say(a, "bob", "hi bob");
    int64_t pm = fake_wall_us;
    say(b, "#Quiet", "q2");
    int64_t end = fake_wall_us;
    say(a, "#secret", "s2");
    char t0[40], t1[40], tpm[40], tq[40], to[40];
    stamp(start, t0, sizeof t0);
    stamp(end + 60 * 1000000, t1, sizeof t1);
    stamp(pm, tpm, sizeof tpm);
    stamp(end, tq, sizeof tq);
    stamp(start + 2000000, to, sizeof to);
    char cmd[300], line[200];
    snprintf(cmd, sizeof cmd, "CHATHISTORY TARGETS timestamp=%s timestamp=%s 10", t0, t1);
    fake_clear(b);
    fake_send(b, "%s", cmd);
    EXPECT_BATCH(b, "draft/chathistory-targets", "CHATHISTORY,CHATHISTORY,CHATHISTORY");
    EXPECT_NO_LINE(b, "secret");
    EXPECT_NO_LINE(b, "#empty");
    long io = fake_index(b, " TARGETS #open "), ia = fake_index(b, " TARGETS alice "),
         iq = fake_index(b, " TARGETS #Quiet ");
    CU_ASSERT(io >= 0 && io < ia && ia < iq);
    snprintf(line, sizeof line, "CHATHISTORY TARGETS alice %s", tpm);
    EXPECT_LINE(b, line);
    snprintf(line, sizeof line, "CHATHISTORY TARGETS #Quiet %s", tq);
    EXPECT_LINE(b, line);
    snprintf(line, sizeof line, "CHATHISTORY TARGETS #open %s", to);
    EXPECT_LINE(b, line);
    /* Either order of the timestamps; the limit keeps the oldest targets. */
    snprintf(cmd, sizeof cmd, "CHATHISTORY TARGETS timestamp=%s timestamp=%s 2", t1, t0);
    fake_clear(b);
    fake_send(b, "%s", cmd);
    EXPECT_BATCH(b, "draft/chathistory-targets", "CHATHISTORY,CHATHISTORY");
    EXPECT_NO_LINE(b, "#Quiet");
    /* A range that misses everything. */
    snprintf(cmd, sizeof cmd, "CHATHISTORY TARGETS timestamp=%s timestamp=%s 10", t1,
             "2030-01-01T00:00:00.000Z");
    fake_clear(b);
    fake_send(b, "%s", cmd);
    EXPECT_BATCH(b, "draft/chathistory-targets", "");
    /* Alice sees her secret channel and bob. */
    snprintf(cmd, sizeof cmd, "CHATHISTORY TARGETS timestamp=%s timestamp=%s 10", t0, t1);
    fake_clear(a);
    fake_send(a, "%s", cmd);
    EXPECT_LINE(a, " TARGETS #secret ");
    EXPECT_LINE(a, " TARGETS bob ");
    EXPECT_LINE(a, " TARGETS #open ");
    EXPECT_NO_LINE(a, "Quiet");
    /* Once she leaves it, it is gone from her TARGETS too. */
    fake_send(a, "PART #secret");
    fake_clear(a);
    fake_send(a, "%s", cmd);
    EXPECT_NO_LINE(a, "#secret");
    fake_server_free(s);
}

/* [history] channel_access = since-join: what was said before one's
 * (latest) JOIN is not replayed; "members" replays all of it. */
static void test_since_join(void)
{
    const char *confs[] = {"[history]\nchannel_access = since-join\n", NULL};
    const char *expected[] = {"JOIN,after", "JOIN,before,JOIN,after"};
    for (size_t i = 0; i < 2; i++) {
        srv_server *s = fake_server_with_store(":memory:", confs[i]);
        fake_conn *a = connect_as(s, "alice", NULL, "");
        fake_conn *b = connect_as(s, "bob", NULL, PLAYBACK_CAPS);
        fake_send(a, "JOIN #j");
        say(a, "#j", "before");
        fake_wall_us += 1000000;
        fake_send(b, "JOIN #j");
        say(a, "#j", "after");
        EXPECT_HISTORY(b, "CHATHISTORY LATEST #j * 10", expected[i]);
        EXPECT_HISTORY_AT(b, "AFTER #j", fake_wall_us - 10 * 1000000, 10, expected[i]);
        EXPECT_HISTORY_AT(b, "AROUND #j", fake_wall_us - 10 * 1000000, 10, expected[i]);
        fake_server_free(s);
    }
}

/* An unregistered channel that empties starts over: whoever creates one
 * of that name later reads nothing from before.  A registered channel
 * keeps its history; a server shutdown records no end (test_restart). */
static void test_channel_end(void)
{
    srv_server *s = fake_server_with_store(":memory:", NULL);
    make_account(s, "alice");
    fake_conn *a = connect_as(s, "alice", "alice", READER_CAPS);
    fake_conn *b = connect_as(s, "bob", NULL, READER_CAPS);
    fake_send(a, "JOIN #gone");
    fake_send(a, "MODE #gone +s");
    say(a, "#gone", "secret words");
    fake_send(a, "PART #gone");
    fake_send(b, "JOIN #gone");
    say(b, "#gone", "fresh");
    EXPECT_HISTORY(b, "CHATHISTORY LATEST #gone * 10", "fresh");
    EXPECT_HISTORY_AT(b, "BEFORE #gone", fake_wall_us + 1000000, 10, "fresh");
    EXPECT_HISTORY_AT(b, "AFTER #gone", fake_wall_us - 3600 * INT64_C(1000000), 10, "fresh");
    fake_send(a, "JOIN #kept");
    fake_send(a, "PRIVMSG ChanServ :REGISTER #kept");
    EXPECT_LINE(a, "#kept is now registered to alice");
    say(a, "#kept", "kept words");
    fake_send(a, "PART #kept");
    fake_send(b, "JOIN #kept");
    EXPECT_HISTORY(b, "CHATHISTORY LATEST #kept * 10", "kept words");
    fake_server_free(s);
}

/* ---- retention ---- */

static void tick_after(srv_server *s, uint64_t ms)
{
    fake_now_ms += ms;
    srv_server_tick(s, fake_now_ms);
}

static void test_retention_messages(void)
{
    srv_server *s = fake_server_with_store(":memory:", "[history]\nmax_messages = 3\n");
    fake_conn *a = connect_as(s, "alice", NULL, READER_CAPS);
    fake_send(a, "JOIN #r");
    fake_send(a, "JOIN #other");
    for (int i = 1; i <= 6; i++) {
        char text[8];
        snprintf(text, sizeof text, "r%d", i);
        say(a, "#r", text);
    }
    say(a, "#other", "o1");
    tick_after(s, 2000);
    EXPECT_HISTORY(a, "CHATHISTORY LATEST #r * 100", "r4,r5,r6");
    EXPECT_HISTORY(a, "CHATHISTORY LATEST #other * 100", "o1");
    /* Later messages push out the oldest again. */
    say(a, "#r", "r7");
    tick_after(s, 2000);
    EXPECT_HISTORY(a, "CHATHISTORY LATEST #r * 100", "r5,r6,r7");
    fake_server_free(s);
}

static void test_retention_days(void)
{
    srv_server *s = fake_server_with_store(":memory:", "[history]\nmax_days = 1\n");
    fake_conn *a = connect_as(s, "alice", NULL, READER_CAPS);
    fake_send(a, "JOIN #d");
    say(a, "#d", "old1");
    say(a, "#d", "old2");
    fake_wall_us += 20 * 3600 * INT64_C(1000000);
    say(a, "#d", "recent");
    tick_after(s, 2000);
    EXPECT_HISTORY(a, "CHATHISTORY LATEST #d * 100", "old1,old2,recent");
    fake_wall_us += 6 * 3600 * INT64_C(1000000); /* old1 and old2 are past a day */
    tick_after(s, 2000);
    EXPECT_HISTORY(a, "CHATHISTORY LATEST #d * 100", "recent");
    fake_server_free(s);
}

/* Rows in the history table whose target matches like, in the database at path. */
static int count_rows(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int n = -1;
    CU_ASSERT_FATAL(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    else
        printf("\n  %s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Dropping an account removes its private history and read markers (not
 * the other party's copy). */
static void test_drop_account(void)
{
    const char *path = fresh_db();
    fake_conn *a, *b;
    srv_server *s = alice_and_bob(path, NULL, READER_CAPS " draft/read-marker", &a, &b);
    say(a, "bob", "a->b");
    say(b, "alice", "b->a");
    fake_send(a, "MARKREAD bob timestamp=2023-11-14T22:13:20.000Z");
    EXPECT_LINE(a, "MARKREAD bob timestamp=2023-11-14T22:13:20.000Z");
    srv_history_flush(s);
    CU_ASSERT_EQUAL(count_rows(path, "SELECT count(*) FROM history WHERE target LIKE 'alice %'"),
                    2);
    CU_ASSERT_EQUAL(count_rows(path, "SELECT count(*) FROM read_markers"), 1);
    fake_send(a, "NS DROP alice alice-password");
    EXPECT_LINE(a, "alice has been dropped");
    CU_ASSERT_EQUAL(count_rows(path, "SELECT count(*) FROM history WHERE target LIKE 'alice %'"),
                    0);
    CU_ASSERT_EQUAL(count_rows(path, "SELECT count(*) FROM read_markers"), 0);
    EXPECT_HISTORY(b, "CHATHISTORY LATEST alice * 10", "a->b,b->a");
    /* A new account of the same name starts with nothing. */
    fake_send(a, "QUIT");
    make_account(s, "alice");
    a = connect_as(s, "alice", "alice", READER_CAPS " draft/read-marker");
    EXPECT_HISTORY(a, "CHATHISTORY LATEST bob * 10", "");
    fake_clear(a);
    fake_send(a, "MARKREAD bob");
    EXPECT_LINE(a, "MARKREAD bob *");
    fake_server_free(s);
}

/* [history] max_size_mb: the oldest go, a bounded step a tick, until the
 * database's used pages are under the cap; then nothing more. */
static void test_retention_size(void)
{
    const char *path = fresh_db();
    srv_server *s = fake_server_with_store(path, "[history]\nmax_size_mb = 1\nmax_days = 0\n");
    fake_conn *a = connect_as(s, "alice", NULL, READER_CAPS);
    fake_send(a, "JOIN #big");
    char text[420];
    memset(text, 'x', 400);
    for (int i = 0; i < 4000; i++) {
        snprintf(text + 400, sizeof text - 400, "%d", i);
        fake_wall_us += 1000;
        fake_send(a, "PRIVMSG #big :%s", text);
    }
    srv_history_flush(s);
    CU_ASSERT_EQUAL(count_rows(path, "SELECT count(*) FROM history WHERE kind = 1"), 4000);
    int before = 4000, after = 0;
    for (int i = 0; i < 20; i++) {
        tick_after(s, 2000);
        after = count_rows(path, "SELECT count(*) FROM history");
        if (after == before)
            break;                         /* under the cap: nothing more goes */
        CU_ASSERT(before - after <= 1000); /* a bounded step */
        before = after;
    }
    CU_ASSERT(after > 0 && after < 4000);
    CU_ASSERT(count_rows(path, "SELECT (page_count - freelist_count) * page_size"
                               " FROM pragma_page_count, pragma_freelist_count,"
                               " pragma_page_size") <= 1024 * 1024);
    tick_after(s, 2000);
    CU_ASSERT_EQUAL(count_rows(path, "SELECT count(*) FROM history"), after);
    fake_clear(a);
    fake_send(a, "CHATHISTORY LATEST #big * 1");
    EXPECT_LINE(a, "PRIVMSG #big :xxxx");
    EXPECT_LINE(a, "x3999");
    fake_server_free(s);
}

/* Another connection holds the database locked (a backup, an admin's
 * shell): events wait in the queue, and once it is free they are
 * committed, each once, in order; queries meanwhile still answer with
 * what was relayed. */
static void test_locked_store(void)
{
    const char *path = fresh_db();
    srv_server *s = fake_server_with_store(path, NULL);
    fake_conn *a = connect_as(s, "alice", NULL, READER_CAPS);
    fake_send(a, "JOIN #l");
    say(a, "#l", "before");
    tick_after(s, 200);
    sqlite3 *db;
    CU_ASSERT_FATAL(sqlite3_open(path, &db) == SQLITE_OK);
    CU_ASSERT_FATAL(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK);
    say(a, "#l", "locked 1");
    say(a, "#l", "locked 2");
    tick_after(s, 200); /* the commit fails: kept for later */
    EXPECT_HISTORY(a, "CHATHISTORY LATEST #l * 10", "before,locked 1,locked 2");
    EXPECT_HISTORY(a, "CHATHISTORY LATEST #l * 2", "locked 1,locked 2");
    EXPECT_HISTORY(a, "CHATHISTORY LATEST #l * 1", "locked 2");
    EXPECT_HISTORY_AT(a, "AFTER #l", fake_wall_us - 60 * 1000000, 2, "before,locked 1");
    EXPECT_HISTORY_AT(a, "BEFORE #l", fake_wall_us, 5, "before,locked 1");
    /* TARGETS counts them too. */
    fake_send(a, "JOIN #l2");
    say(a, "#l2", "locked elsewhere");
    char cmd[200], t0[40], t1[40], line[100];
    stamp(fake_wall_us - 60 * 1000000, t0, sizeof t0);
    stamp(fake_wall_us + 1000000, t1, sizeof t1);
    snprintf(cmd, sizeof cmd, "CHATHISTORY TARGETS timestamp=%s timestamp=%s 10", t0, t1);
    fake_clear(a);
    fake_send(a, "%s", cmd);
    EXPECT_BATCH(a, "draft/chathistory-targets", "CHATHISTORY,CHATHISTORY");
    stamp(fake_wall_us - 1000000, t0, sizeof t0);
    snprintf(line, sizeof line, "CHATHISTORY TARGETS #l %s", t0);
    EXPECT_LINE(a, line);
    stamp(fake_wall_us, t1, sizeof t1);
    snprintf(line, sizeof line, "CHATHISTORY TARGETS #l2 %s", t1);
    EXPECT_LINE(a, line);
    EXPECT_HISTORY(a, "CHATHISTORY LATEST #elsewhere * 5", "<no batch>");
    CU_ASSERT_FATAL(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    say(a, "#l", "after");
    tick_after(s, 1200);
    CU_ASSERT_EQUAL(count_rows(path, "SELECT count(*) FROM history WHERE kind = 1"), 5);
    EXPECT_HISTORY(a, "CHATHISTORY LATEST #l * 10", "before,locked 1,locked 2,after");
    fake_server_free(s);
}

/* ---- read markers ---- */

static void test_markread(void)
{
    srv_server *s = fake_server_with_store(":memory:", NULL);
    make_account(s, "alice");
    fake_conn *a1 = connect_as(s, "alice", "alice", "draft/read-marker");
    fake_conn *a2 = connect_as(s, "alice_2", "alice", "draft/read-marker");
    fake_conn *a3 = connect_as(s, "alice_3", "alice", "");
    fake_conn *g = connect_as(s, "guest", NULL, "draft/read-marker");
    fake_send(a1, "MARKREAD #m");
    EXPECT_LINE(a1, ":irc.test MARKREAD #m *");
    fake_clear(a1);
    fake_send(a1, "MARKREAD #m timestamp=2023-11-14T22:13:20.500Z");
    EXPECT_LINE(a1, ":irc.test MARKREAD #m timestamp=2023-11-14T22:13:20.500Z");
    EXPECT_LINE(a2, ":irc.test MARKREAD #m timestamp=2023-11-14T22:13:20.500Z");
    CU_ASSERT_EQUAL(a3->nlines, 0);
    CU_ASSERT_EQUAL(g->nlines, 0);
    /* Never back: an older time answers the sender with where it is. */
    fake_clear(a1);
    fake_clear(a2);
    fake_send(a2, "MARKREAD #M timestamp=2023-11-14T22:13:19.000Z");
    EXPECT_LINE(a2, "MARKREAD #M timestamp=2023-11-14T22:13:20.500Z");
    CU_ASSERT_EQUAL(a1->nlines, 0);
    fake_send(a2, "MARKREAD #m timestamp=2023-11-14T22:13:20.500Z");
    CU_ASSERT_EQUAL(a1->nlines, 0);
    fake_send(a2, "MARKREAD #m timestamp=2023-11-14T22:13:21.000Z");
    EXPECT_LINE(a1, "MARKREAD #m timestamp=2023-11-14T22:13:21.000Z");
    fake_clear(a1);
    fake_send(a1, "MARKREAD #m");
    EXPECT_LINE(a1, "MARKREAD #m timestamp=2023-11-14T22:13:21.000Z");
    /* Per target: a nick's marker is separate. */
    fake_send(a1, "MARKREAD Bob timestamp=2023-11-14T22:13:25.000Z");
    EXPECT_LINE(a2, "MARKREAD Bob timestamp=2023-11-14T22:13:25.000Z");
    fake_clear(a1);
    fake_send(a1, "MARKREAD bob");
    EXPECT_LINE(a1, "MARKREAD bob timestamp=2023-11-14T22:13:25.000Z");
    /* Failures. */
    static const struct {
        const char *command, *reply;
    } cases[] = {
        {"MARKREAD", "FAIL MARKREAD NEED_MORE_PARAMS :"},
        {"MARKREAD #m yesterday", "FAIL MARKREAD INVALID_PARAMS #m :"},
        {"MARKREAD #m timestamp=soon", "FAIL MARKREAD INVALID_PARAMS #m :"},
        {"MARKREAD #m msgid=0000000000001", "FAIL MARKREAD INVALID_PARAMS #m :"},
        {"MARKREAD bad,target timestamp=2023-11-14T22:13:21.000Z", "FAIL MARKREAD INVALID_PARAMS"},
        {"MARKREAD * ", "FAIL MARKREAD INVALID_PARAMS"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_clear(a1);
        fake_clear(a2);
        fake_send(a1, "%s", cases[i].command);
        EXPECT_LINE(a1, cases[i].reply);
        CU_ASSERT_EQUAL(a2->nlines, 0);
    }
    fake_send(g, "MARKREAD #m timestamp=2023-11-14T22:13:21.000Z");
    EXPECT_LINE(g, "FAIL MARKREAD ACCOUNT_REQUIRED #m :");
    fake_clear(g);
    fake_send(g, "MARKREAD #m");
    EXPECT_LINE(g, "FAIL MARKREAD ACCOUNT_REQUIRED #m :");

    /* On JOIN: after the JOIN, before the end of NAMES; only with the cap
     * and an account. */
    fake_clear(a1);
    fake_clear(a3);
    fake_clear(g);
    fake_send(a1, "JOIN #M");
    long ij = fake_index(a1, " JOIN #M"), im = fake_index(a1, "MARKREAD #M timestamp="),
         ie = fake_index(a1, " 366 ");
    CU_ASSERT(ij >= 0 && ij < im && im < ie);
    if (!(ij >= 0 && ij < im && im < ie))
        fake_dump(a1);
    fake_send(a3, "JOIN #m");
    EXPECT_NUMERIC(a3, RPL_ENDOFNAMES);
    EXPECT_NO_LINE(a3, "MARKREAD");
    fake_send(g, "JOIN #m");
    EXPECT_NUMERIC(g, RPL_ENDOFNAMES);
    EXPECT_NO_LINE(g, "MARKREAD");
    fake_clear(a1);
    fake_send(a1, "JOIN #fresh");
    EXPECT_LINE(a1, "MARKREAD #fresh *");
    fake_server_free(s);
}

/* One account keeps at most 2,000 markers: past that a new target's
 * MARKREAD is not kept (the sender hears "*"), known ones still move. */
static void test_markread_limit(void)
{
    srv_server *s = fake_server_with_store(":memory:", NULL);
    make_account(s, "alice");
    fake_conn *a = connect_as(s, "alice", "alice", "draft/read-marker");
    fake_conn *b = connect_as(s, "alice_2", "alice", "draft/read-marker");
    for (int i = 0; i < 2000; i++)
        fake_send(a, "MARKREAD #c%d timestamp=2023-11-14T22:13:20.000Z", i);
    CU_ASSERT_EQUAL(fake_count(b, "MARKREAD #c"), 2000);
    fake_clear(a);
    fake_clear(b);
    fake_send(a, "MARKREAD #one-too-many timestamp=2023-11-14T22:13:20.000Z");
    EXPECT_LINE(a, "MARKREAD #one-too-many *");
    CU_ASSERT_EQUAL(b->nlines, 0);
    fake_send(a, "MARKREAD #c5 timestamp=2023-11-14T22:13:21.000Z");
    EXPECT_LINE(b, "MARKREAD #c5 timestamp=2023-11-14T22:13:21.000Z");
    fake_server_free(s);
}

/* ---- across restarts ---- */

/* Markers, history and the msgid sequence outlive the server: a store
 * reopened after the wall clock stepped back still hands out larger IDs. */
static void test_restart(void)
{
    const char *path = fresh_db();
    srv_server *s = fake_server_with_store(path, NULL);
    make_account(s, "alice");
    fake_conn *a = connect_as(s, "alice", "alice", READER_CAPS " draft/read-marker");
    fake_conn *b = connect_as(s, "bob", NULL, "message-tags");
    fake_send(a, "JOIN #keep");
    fake_send(b, "JOIN #keep");
    say(a, "#keep", "k1");
    say(a, "#keep", "k2");
    say(a, "bob", "private k3");
    char before[32];
    last_msgid(b, before);
    fake_send(a, "MARKREAD #keep timestamp=2023-11-14T22:13:21.000Z");
    /* Committed on the tick after commit_interval, before any query. */
    CU_ASSERT_EQUAL(count_rows(path, "SELECT count(*) FROM history WHERE line LIKE '%k_'"), 0);
    tick_after(s, 200);
    CU_ASSERT_EQUAL(count_rows(path, "SELECT count(*) FROM history WHERE line LIKE '%k_'"), 3);
    say(a, "#keep", "k4"); /* queued only: a clean stop keeps it */
    fake_server_free(s);

    fake_wall_us -= 24 * 3600 * INT64_C(1000000);
    s = fake_server_with_store(path, NULL);
    a = connect_as(s, "alice", "alice", READER_CAPS " draft/read-marker");
    b = connect_as(s, "bob", NULL, "message-tags");
    fake_send(a, "JOIN #keep");
    EXPECT_LINE(a, "MARKREAD #keep timestamp=2023-11-14T22:13:21.000Z");
    EXPECT_HISTORY(a, "CHATHISTORY LATEST #keep * 10", "k1,k2,k4");
    EXPECT_HISTORY(a, "CHATHISTORY LATEST bob * 10", "private k3");
    fake_send(b, "JOIN #keep");
    say(a, "#keep", "k5");
    char after[32];
    last_msgid(b, after);
    CU_ASSERT(strcmp(before, after) < 0);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "CHATHISTORY AFTER #keep msgid=%s 10", before);
    EXPECT_HISTORY(a, cmd, "k4,k5");
    fake_server_free(s);
    fake_wall_us += 24 * 3600 * INT64_C(1000000);
}

static void cleanup_files(void)
{
    char path[300];
    for (unsigned i = 1; i <= db_counter; i++) {
        const char *suffixes[] = {"", "-wal", "-shm"};
        for (size_t j = 0; j < 3; j++) {
            snprintf(path, sizeof path, "test-history-%u.db%s", i, suffixes[j]);
            remove(path);
        }
    }
}

static CU_TestInfo tests[] = {
    {"msgid: text form", test_msgid_text},
    {"msgid: tags on relayed messages and events", test_msgid_tags},
    {"msgid: unique and increasing as the clock steps back", test_msgid_monotonic},
    {"ISUPPORT CHATHISTORY and MSGREFTYPES", test_isupport},
    {"CHATHISTORY subcommands, bounds and limits", test_subcommands},
    {"CHATHISTORY replies without batch or tags", test_reply_tags},
    {"CHATHISTORY failures", test_failures},
    {"event-playback and TAGMSG", test_event_playback},
    {"private messages per account", test_private},
    {"TARGETS", test_targets},
    {"channel_access = since-join", test_since_join},
    {"a channel that empties starts over, a registered one does not", test_channel_end},
    {"retention: max_messages", test_retention_messages},
    {"retention: max_days", test_retention_days},
    {"retention: an account's drop", test_drop_account},
    {"retention: max_size_mb", test_retention_size},
    {"a locked database: events wait, then committed once", test_locked_store},
    {"MARKREAD", test_markread},
    {"MARKREAD: markers per account", test_markread_limit},
    {"history, markers and msgids across a restart", test_restart},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    int rc = nt_test_main("history", tests);
    cleanup_files();
    return rc;
}
