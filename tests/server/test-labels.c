/* SPDX-License-Identifier: MIT */
/*
 * The IRCv3 framework pieces: labeled-response (an ACK for no reply, the
 * label on a lone reply, a labeled-response batch around several, a
 * nested chathistory batch inside one, echo-message, QUIT, labels too
 * long or without the capability, replies that come after the command
 * returned), CAP LS/LIST 302 continuation lines, and cap-notify's CAP
 * NEW/DEL when a REHASH changes what is offered.  A store in memory
 * serves the accounts and history capabilities.
 */
#include "fake-store.h"
#include "helpers.h"
#include "irc-cap.h"
#include "numerics.h"
#include "store-sqlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_CAPS "batch labeled-response"

/* A server on an in-memory store; conf is added to the test defaults,
 * server_name (when given) replaces the server's name. */
static srv_server *server_with(const char *conf, const char *server_name)
{
    char text[512];
    snprintf(text, sizeof text, "%s%s%s%s", conf ? conf : "", server_name ? "[server]\nname = " : "",
             server_name ? server_name : "", server_name ? "\n" : "");
    return fake_server_with_store(":memory:", text);
}

/* Connect (CAP LS 302 unless ls is given), ask for caps, register as
 * nick; the lines are cleared. */
static fake_conn *client(srv_server *s, const char *nick, const char *ls, const char *caps)
{
    fake_conn *c = fake_connect(s, "10.0.0.1");
    CU_ASSERT_FATAL(c->client != NULL);
    snprintf(c->name, sizeof c->name, "%s", nick);
    fake_send(c, "%s", ls ? ls : "CAP LS 302");
    if (caps[0]) {
        fake_send(c, "CAP REQ :%s", caps);
        char ack[300];
        snprintf(ack, sizeof ack, "ACK :%s", caps);
        EXPECT_LINE(c, ack);
    }
    fake_send(c, "NICK %s", nick);
    fake_send(c, "USER %s 0 * :Real %s", nick, nick);
    fake_send(c, "CAP END");
    if (!fake_has_numeric(c, RPL_WELCOME))
        fake_dump(c);
    CU_ASSERT_FATAL(fake_has_numeric(c, RPL_WELCOME));
    fake_clear(c);
    return c;
}

/* The value of tag name on line (into out), or 0 when it has none. */
static int tag_value(const char *line, const char *name, char *out, size_t size)
{
    if (!line || line[0] != '@')
        return 0;
    const char *end = strchr(line, ' ');
    size_t nlen = strlen(name);
    for (const char *p = line + 1; p && p < end; p = strchr(p, ';'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, nlen) == 0 && (p[nlen] == '=' || p[nlen] == ';' || p[nlen] == ' ')) {
            const char *v = p[nlen] == '=' ? p + nlen + 1 : p + nlen;
            size_t n = strcspn(v, "; ");
            snprintf(out, size, "%.*s", (int)n, v);
            return 1;
        }
    }
    return 0;
}

/* The line without its tag section. */
static const char *untagged(const char *line)
{
    if (line[0] == '@') {
        const char *sp = strchr(line, ' ');
        return sp ? sp + 1 : line;
    }
    return line;
}

/* Check fc's lines are one labeled-response batch for label: the opening
 * line carries the label, every line inside batch=<id> (or, inside a
 * nested batch, that batch's id; the nested BATCH lines themselves the
 * outer id), the close last.  Returns the number of lines inside. */
static size_t check_label_batch(const fake_conn *fc, const char *label)
{
    char id[32] = "", v[128];
    int ok = fc->nlines >= 3;
    if (ok) {
        const char *open = fc->lines[0];
        ok &= tag_value(open, "label", v, sizeof v) && strcmp(v, label) == 0;
        const char *rest = untagged(open);
        ok &= strncmp(rest, ":irc.test BATCH +", 17) == 0 && strstr(rest, " labeled-response");
        snprintf(id, sizeof id, "%.*s", (int)strcspn(rest + 17, " "), rest + 17);
        char close[64];
        snprintf(close, sizeof close, ":irc.test BATCH -%s", id);
        ok &= strcmp(fc->lines[fc->nlines - 1], close) == 0;
        char inner[32] = "";
        for (size_t i = 1; i + 1 < fc->nlines; i++) {
            const char *line = fc->lines[i];
            ok &= !tag_value(line, "label", v, sizeof v);
            ok &= tag_value(line, "batch", v, sizeof v) != 0;
            const char *body = untagged(line);
            if (strstr(body, " BATCH +") && strcmp(v, id) == 0) {
                const char *p = strstr(body, " BATCH +") + 8;
                snprintf(inner, sizeof inner, "%.*s", (int)strcspn(p, " "), p);
            } else if (strstr(body, " BATCH -") && strcmp(v, id) == 0) {
                inner[0] = '\0';
            } else {
                ok &= strcmp(v, inner[0] ? inner : id) == 0;
            }
        }
    }
    CU_ASSERT(ok);
    if (!ok) {
        printf("\n  not one labeled-response batch for \"%s\"\n", label);
        fake_dump(fc);
    }
    return fc->nlines >= 2 ? fc->nlines - 2 : 0;
}

#define EXPECT_ONLY(fc, expected)                                                    \
    do {                                                                             \
        int ok_ = (fc)->nlines == 1 && strcmp((fc)->lines[0], (expected)) == 0;      \
        CU_ASSERT(ok_);                                                              \
        if (!ok_) {                                                                  \
            printf("\n  expected only \"%s\" at %s:%d\n", (expected), __FILE__, __LINE__); \
            fake_dump(fc);                                                           \
        }                                                                            \
    } while (0)

/* ---- labeled-response ---- */

static void test_label_counts(void)
{
    srv_server *s = server_with(NULL, NULL);
    fake_conn *a = client(s, "alice", NULL, LABEL_CAPS);
    /* No reply: an ACK. */
    fake_send(a, "@label=none PONG irc.test");
    EXPECT_ONLY(a, "@label=none :irc.test ACK");
    fake_clear(a);
    /* One reply: the label on it. */
    fake_send(a, "@label=one PING hello");
    EXPECT_ONLY(a, "@label=one :irc.test PONG irc.test :hello");
    fake_clear(a);
    /* A numeric error is a reply too. */
    fake_send(a, "@label=err BOGUS");
    EXPECT_ONLY(a, "@label=err :irc.test 421 alice BOGUS :Unknown command");
    fake_clear(a);
    /* Several: one batch. */
    fake_send(a, "@label=many JOIN #x");
    size_t inside = check_label_batch(a, "many");
    CU_ASSERT(inside >= 3); /* JOIN, 353, 366 */
    EXPECT_LINE(a, " JOIN #x");
    EXPECT_LINE(a, " 366 alice #x ");
    fake_clear(a);
    /* Unlabeled commands are unchanged. */
    fake_send(a, "PING plain");
    EXPECT_ONLY(a, ":irc.test PONG irc.test :plain");
    fake_clear(a);
    /* The label's value is escaped again as it is sent back. */
    fake_send(a, "@label=a\\sb\\:c\\\\d PING x");
    EXPECT_ONLY(a, "@label=a\\sb\\:c\\\\d :irc.test PONG irc.test :x");
    fake_clear(a);
    /* Other tags beside the label are fine; a tag-only label is ignored. */
    fake_send(a, "@+draft/typing=active;label=t2 PING y");
    EXPECT_ONLY(a, "@label=t2 :irc.test PONG irc.test :y");
    fake_clear(a);
    fake_send(a, "@label PING z");
    EXPECT_ONLY(a, ":irc.test PONG irc.test :z");
    fake_server_free(s);
}

/* A label 64 bytes long is used; 65 is ignored (the command still runs,
 * unlabeled); without labeled-response and batch both, labels are
 * ignored. */
static void test_label_limits(void)
{
    srv_server *s = server_with(NULL, NULL);
    fake_conn *a = client(s, "alice", NULL, LABEL_CAPS);
    char l64[65], l65[66], want[256];
    memset(l64, 'x', 64);
    l64[64] = '\0';
    memset(l65, 'y', 65);
    l65[65] = '\0';
    fake_send(a, "@label=%s PING a", l64);
    snprintf(want, sizeof want, "@label=%s :irc.test PONG irc.test :a", l64);
    EXPECT_ONLY(a, want);
    fake_clear(a);
    fake_send(a, "@label=%s PING b", l65);
    EXPECT_ONLY(a, ":irc.test PONG irc.test :b");
    fake_clear(a);
    /* 64 bytes once unescaped ("\s" is one byte) */
    char esc[130] = "";
    for (int i = 0; i < 64; i++)
        strcat(esc, "\\s");
    fake_send(a, "@label=%s PING c", esc);
    snprintf(want, sizeof want, "@label=%s :irc.test PONG irc.test :c", esc);
    EXPECT_ONLY(a, want);
    fake_clear(a);

    fake_conn *b = client(s, "bob", NULL, "batch");
    fake_send(b, "@label=q PING d");
    EXPECT_ONLY(b, ":irc.test PONG irc.test :d");
    fake_conn *c = client(s, "carol", NULL, "labeled-response");
    fake_send(c, "@label=q PING e");
    EXPECT_ONLY(c, ":irc.test PONG irc.test :e");
    /* The capability itself is negotiated unlabeled. */
    fake_clear(c);
    fake_send(c, "@label=r CAP REQ batch");
    EXPECT_ONLY(c, ":irc.test CAP carol ACK :batch");
    fake_clear(c);
    fake_send(c, "@label=r PING f");
    EXPECT_ONLY(c, "@label=r :irc.test PONG irc.test :f");
    fake_server_free(s);
}

/* echo-message: the echo is the reply and carries the label, merged with
 * the tags it has; the other members get the message unlabeled. */
static void test_label_echo(void)
{
    srv_server *s = server_with(NULL, NULL);
    fake_conn *a = client(s, "alice", NULL, LABEL_CAPS " echo-message message-tags server-time");
    fake_conn *b = client(s, "bob", NULL, "message-tags");
    fake_send(a, "JOIN #e");
    fake_send(b, "JOIN #e");
    fake_clear(a);
    fake_clear(b);
    fake_send(a, "@label=echo;+draft/reply=abc PRIVMSG #e :hello");
    CU_ASSERT_EQUAL(a->nlines, 1);
    char v[64];
    const char *line = a->nlines ? a->lines[0] : "";
    CU_ASSERT(strncmp(line, "@label=echo;", 12) == 0);
    CU_ASSERT(tag_value(line, "time", v, sizeof v));
    CU_ASSERT(tag_value(line, "msgid", v, sizeof v));
    CU_ASSERT(tag_value(line, "+draft/reply", v, sizeof v) && strcmp(v, "abc") == 0);
    CU_ASSERT(strcmp(untagged(line), ":alice!~alice@10.0.0.1 PRIVMSG #e :hello") == 0);
    if (a->nlines != 1)
        fake_dump(a);
    CU_ASSERT_EQUAL(b->nlines, 1);
    CU_ASSERT(b->nlines && !tag_value(b->lines[0], "label", v, sizeof v));
    EXPECT_LINE(b, ":alice!~alice@10.0.0.1 PRIVMSG #e :hello");
    /* A message to oneself arrives once (as its echo): labeled. */
    fake_clear(a);
    fake_send(a, "@label=self PRIVMSG alice :me");
    CU_ASSERT_EQUAL(a->nlines, 1);
    CU_ASSERT(a->nlines && strncmp(a->lines[0], "@label=self;", 12) == 0);
    fake_server_free(s);
}

/* QUIT: the ERROR line is the labeled reply and goes out before the
 * connection closes; a labeled batch ended by a close is closed first. */
static void test_label_quit(void)
{
    srv_server *s = server_with(NULL, NULL);
    fake_conn *a = client(s, "alice", NULL, LABEL_CAPS);
    fake_send(a, "@label=bye QUIT :later");
    CU_ASSERT(a->closed);
    CU_ASSERT_EQUAL(a->nlines, 1);
    CU_ASSERT(a->nlines && strncmp(a->lines[0], "@label=bye ERROR :Closing Link", 30) == 0);
    if (a->nlines != 1)
        fake_dump(a);
    CU_ASSERT(!a->bad_framing);

    /* Excess flood in the middle of a command that replied already. */
    srv_config cfg;
    fake_config(&cfg);
    cfg.flood_penalty_percent = 100;
    cfg.flood_threshold_ms = 10000;
    cfg.flood_disconnect_ms = 20000;
    CU_ASSERT_FATAL(srv_server_apply_config(s, &cfg) == 0);
    srv_config_free(&cfg);
    fake_conn *b = client(s, "bob", NULL, LABEL_CAPS);
    fake_send(b, "JOIN #f");
    fake_clear(b);
    /* LIST costs 3 s each: the seventh goes past 20 s. */
    for (int i = 0; i < 8 && !b->closed; i++) {
        fake_clear(b);
        fake_send(b, "@label=l%d LIST", i);
    }
    CU_ASSERT(b->closed);
    /* The last command's reply: ERROR (the penalty is charged before the
     * command runs), labeled. */
    CU_ASSERT(b->nlines >= 1);
    CU_ASSERT(b->nlines && strstr(b->lines[b->nlines - 1], "ERROR :Closing Link") != NULL);
    char v[16];
    int labeled = 0;
    for (size_t i = 0; i < b->nlines; i++)
        labeled += tag_value(b->lines[i], "label", v, sizeof v);
    CU_ASSERT_EQUAL(labeled, 1);
    fake_server_free(s);
}

/* CHATHISTORY's own batch nests inside the labeled-response batch: its
 * BATCH lines carry the outer id, its content keeps its own. */
static void test_label_nested_batch(void)
{
    srv_server *s = server_with(NULL, NULL);
    fake_conn *w = client(s, "writer", NULL, "");
    fake_conn *r = client(s, "reader", NULL,
                          LABEL_CAPS " server-time message-tags draft/chathistory");
    fake_send(w, "JOIN #h");
    fake_send(r, "JOIN #h");
    for (int i = 1; i <= 3; i++) {
        fake_wall_us += 1000000;
        fake_send(w, "PRIVMSG #h :m%d", i);
    }
    fake_clear(r);
    fake_send(r, "@label=hist CHATHISTORY LATEST #h * 10");
    size_t inside = check_label_batch(r, "hist");
    CU_ASSERT_EQUAL(inside, 5); /* BATCH +, m1..m3, BATCH - */
    EXPECT_LINE(r, " chathistory #h");
    EXPECT_LINE(r, "PRIVMSG #h :m3");
    /* The nested batch's content is tagged with the nested id only. */
    const char *m2 = fake_find(r, "PRIVMSG #h :m2");
    const char *open = fake_find(r, " chathistory #h");
    char outer[32], inner[32], tag[32];
    CU_ASSERT_FATAL(m2 && open);
    CU_ASSERT(tag_value(open, "batch", outer, sizeof outer));
    const char *plus = strstr(open, "BATCH +") + 7;
    snprintf(inner, sizeof inner, "%.*s", (int)strcspn(plus, " "), plus);
    CU_ASSERT(tag_value(m2, "batch", tag, sizeof tag) && strcmp(tag, inner) == 0);
    CU_ASSERT(strcmp(outer, inner) != 0);
    CU_ASSERT_EQUAL(fake_count(r, "batch="), 5);
    /* A failure is a lone labeled FAIL. */
    fake_clear(r);
    fake_send(r, "@label=bad CHATHISTORY LATEST #h * 0");
    CU_ASSERT_EQUAL(r->nlines, 1);
    CU_ASSERT(r->nlines && strncmp(r->lines[0], "@label=bad :irc.test FAIL CHATHISTORY ", 38) == 0);
    fake_server_free(s);
}

/* ---- replies after the command returned ---- */

typedef struct job {
    void (*run)(void *);
    void (*done)(void *);
    void *arg;
} job;
static job jobs[8];
static size_t njobs;

static void queue_job(void *ctx, void (*run)(void *), void (*done)(void *), void *arg)
{
    (void)ctx;
    CU_ASSERT_FATAL(njobs < sizeof jobs / sizeof jobs[0]);
    jobs[njobs++] = (job){run, done, arg};
}

static void run_jobs(void)
{
    for (size_t i = 0; i < njobs; i++) {
        jobs[i].run(jobs[i].arg);
        jobs[i].done(jobs[i].arg);
    }
    njobs = 0;
}

/* A REGISTER whose password is hashed on the worker: the command itself
 * answers nothing (an ACK), the outcome comes later, unlabeled. */
static void test_label_async(void)
{
    srv_server *s = server_with(NULL, NULL);
    srv_server_set_offload(s, queue_job, NULL);
    fake_conn *a = client(s, "alice", NULL, LABEL_CAPS);
    fake_send(a, "@label=reg REGISTER * * secret-password");
    CU_ASSERT_EQUAL(a->nlines, 1);
    CU_ASSERT(a->nlines && strncmp(a->lines[0], "@label=reg ", 11) == 0);
    if (a->nlines != 1)
        fake_dump(a);
    fake_clear(a);
    /* Another labeled command while the hash runs. */
    fake_send(a, "@label=p PING x");
    EXPECT_ONLY(a, "@label=p :irc.test PONG irc.test :x");
    fake_clear(a);
    CU_ASSERT(njobs > 0);
    run_jobs();
    EXPECT_LINE(a, "REGISTER SUCCESS");
    char v[16];
    for (size_t i = 0; i < a->nlines; i++)
        CU_ASSERT(!tag_value(a->lines[i], "label", v, sizeof v) &&
                  !tag_value(a->lines[i], "batch", v, sizeof v));
    fake_server_free(s);
}

/* ---- CAP ---- */

/* Every token of CAP sub lines fc received, checked for the framing: a
 * line within 512 bytes, "*" on all but the last with continuation. */
static void cap_tokens(const fake_conn *fc, const char *sub, int continuation, size_t budget,
                       char *out, size_t size, size_t *nlines)
{
    char head[64];
    snprintf(head, sizeof head, " CAP ");
    out[0] = '\0';
    *nlines = 0;
    size_t used = 0;
    int ended = 0;
    for (size_t i = 0; i < fc->nlines; i++) {
        const char *line = fc->lines[i];
        const char *cap = strstr(line, head);
        if (!cap)
            continue;
        const char *subp = strchr(cap + 5, ' ');
        if (!subp || strncmp(subp + 1, sub, strlen(sub)) != 0 || subp[1 + strlen(sub)] != ' ')
            continue;
        CU_ASSERT(strlen(line) + 2 <= budget);
        if (continuation)
            CU_ASSERT(!ended); /* before 302: lines that stand alone */
        const char *rest = subp + 1 + strlen(sub) + 1;
        int more = strncmp(rest, "* :", 3) == 0;
        if (more) {
            CU_ASSERT(continuation);
        } else {
            ended = 1;
        }
        const char *tokens = strchr(rest, ':') + 1;
        (*nlines)++;
        int n = snprintf(out + used, size - used, "%s%s", used && tokens[0] ? " " : "", tokens);
        if (n > 0 && (size_t)n < size - used)
            used += (size_t)n;
    }
    CU_ASSERT(ended);
}

static int has_token(const char *tokens, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = tokens; (p = strstr(p, token)) != NULL; p += n) {
        if ((p == tokens || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '='))
            return 1;
    }
    return 0;
}

static const char *const all_caps[] = {
    "account-notify", "account-tag", "away-notify", "batch", "cap-notify", "chghost",
    "draft/account-registration", "draft/chathistory", "draft/event-playback",
    "draft/read-marker", "echo-message", "extended-join", "extended-monitor", "invite-notify",
    "labeled-response", "message-tags", "multi-prefix", "sasl", "server-time", "setname",
    "standard-replies", "userhost-in-names",
};
#define NALL (sizeof all_caps / sizeof all_caps[0])

/* The list in as many lines as it takes under budget bytes a line. */
static void check_continuation(size_t budget)
{
    srv_cap_line_max = budget;
    const char *name = "a-rather-long-server-name.for-the-irc.example.network.test.test";
    srv_server *s = server_with("[tls]\nsts_duration = 86400\nsts_port = 6697\n", name);
    fake_conn *a = fake_connect(s, "10.0.0.2");
    fake_send(a, "CAP LS 302");
    char tokens[4096];
    size_t lines, want = budget < 512 ? 2 : 1;
    cap_tokens(a, "LS", 1, budget, tokens, sizeof tokens, &lines);
    CU_ASSERT(lines >= want);
    if (lines < want)
        fake_dump(a);
    for (size_t i = 0; i < NALL; i++) {
        if (!has_token(tokens, all_caps[i])) {
            printf("\n  %s missing from CAP LS\n", all_caps[i]);
            CU_FAIL("a capability is missing");
        }
    }
    CU_ASSERT(has_token(tokens, "sts"));
    CU_ASSERT(strstr(tokens, "sasl=PLAIN") != NULL);
    CU_ASSERT(strstr(tokens, "draft/account-registration=before-connect,custom-account-name") !=
              NULL);

    /* CAP LIST with everything enabled continues the same way. */
    char req[1024] = "";
    for (size_t i = 0; i < NALL; i++)
        snprintf(req + strlen(req), sizeof req - strlen(req), "%s%s", i ? " " : "", all_caps[i]);
    fake_clear(a);
    fake_send(a, "CAP REQ :%s", req);
    EXPECT_LINE(a, " ACK :");
    fake_clear(a);
    fake_send(a, "CAP LIST");
    cap_tokens(a, "LIST", 1, budget, tokens, sizeof tokens, &lines);
    CU_ASSERT(lines >= want);
    for (size_t i = 0; i < NALL; i++)
        CU_ASSERT(has_token(tokens, all_caps[i]));
    CU_ASSERT(strchr(tokens, '=') == NULL);

    /* Before 302: names only, without "*". */
    fake_conn *b = fake_connect(s, "10.0.0.3");
    fake_send(b, "CAP LS");
    cap_tokens(b, "LS", 0, budget, tokens, sizeof tokens, &lines);
    CU_ASSERT(strchr(tokens, '=') == NULL);
    CU_ASSERT(!has_token(tokens, "sts"));
    for (size_t i = 0; i < NALL; i++)
        CU_ASSERT(has_token(tokens, all_caps[i]));
    /* An empty CAP LIST is still one line. */
    fake_send(b, "CAP LIST");
    EXPECT_LINE(b, ":a-rather-long-server-name.for-the-irc.example.network.test.test CAP * LIST :");
    fake_server_free(s);
    srv_cap_line_max = 512;
}

/* Today's list fits one 512-byte line even at its longest; a smaller
 * budget shows the continuation lines a longer list will need. */
static void test_cap_continuation(void)
{
    check_continuation(512);
    check_continuation(200);
}

static void rehash(srv_server *s, const char *conf)
{
    srv_config cfg;
    char err[256], text[512];
    fake_config(&cfg);
    snprintf(text, sizeof text, "[accounts]\npassword_iterations = 4096\n%s", conf);
    CU_ASSERT_FATAL(srv_config_parse(&cfg, text, "test", err, sizeof err) == 0);
    CU_ASSERT_FATAL(srv_server_apply_config(s, &cfg) == 0);
    srv_config_free(&cfg);
}

static void test_cap_notify(void)
{
    srv_server *s = server_with(NULL, NULL);
    /* 302: cap-notify implied (not listed); before 302 only when asked. */
    fake_conn *a = client(s, "alice", NULL, "draft/account-registration");
    fake_conn *b = client(s, "bob", "CAP LS", "cap-notify draft/chathistory");
    fake_conn *c = client(s, "carol", "CAP LS", "draft/account-registration");
    fake_send(a, "CAP LIST");
    EXPECT_LINE(a, "CAP alice LIST :draft/account-registration");
    fake_clear(a);

    rehash(s, "registration = closed\n");
    EXPECT_ONLY(a, ":irc.test CAP alice DEL :draft/account-registration");
    EXPECT_ONLY(b, ":irc.test CAP bob DEL :draft/account-registration");
    CU_ASSERT_EQUAL(c->nlines, 0);
    /* Gone from everyone's enabled set, told or not. */
    fake_send(c, "CAP LIST");
    EXPECT_LINE(c, "CAP carol LIST :");
    EXPECT_NO_LINE(c, "account-registration");
    fake_send(c, "CAP REQ draft/account-registration");
    EXPECT_LINE(c, "CAP carol NAK :draft/account-registration");
    fake_clear(a);
    fake_clear(b);
    fake_clear(c);

    /* The same settings again: nothing to say. */
    rehash(s, "registration = closed\n");
    CU_ASSERT_EQUAL(a->nlines + b->nlines + c->nlines, 0);

    /* Open again, history off: NEW with values for 302, DEL the history. */
    rehash(s, "[history]\nenabled = no\n");
    CU_ASSERT_EQUAL(a->nlines, 2);
    EXPECT_LINE(a, ":irc.test CAP alice DEL :draft/chathistory draft/event-playback");
    EXPECT_LINE(a,
                ":irc.test CAP alice NEW :draft/account-registration=before-connect,custom-account-name");
    EXPECT_LINE(b, ":irc.test CAP bob DEL :draft/chathistory draft/event-playback");
    EXPECT_LINE(b, ":irc.test CAP bob NEW :draft/account-registration");
    CU_ASSERT_EQUAL(c->nlines, 0);
    fake_clear(b);
    fake_send(b, "CAP LIST");
    EXPECT_ONLY(b, ":irc.test CAP bob LIST :cap-notify");
    /* A labeled REHASH-free command still works for them. */
    fake_server_free(s);
}

static void test_standard_replies_advertised(void)
{
    srv_server *s = server_with(NULL, NULL);
    fake_conn *a = fake_connect(s, "10.0.0.4");
    fake_send(a, "CAP LS 302");
    EXPECT_LINE(a, "standard-replies");
    EXPECT_LINE(a, "labeled-response");
    EXPECT_LINE(a, "cap-notify");
    fake_send(a, "CAP REQ :standard-replies cap-notify labeled-response batch");
    EXPECT_LINE(a, "ACK :standard-replies cap-notify labeled-response batch");
    fake_server_free(s);
}

static CU_TestInfo tests[] = {
    {"labeled-response: ACK, one line, a batch, escaping", test_label_counts},
    {"labeled-response: 64 bytes, too long, without the caps", test_label_limits},
    {"labeled-response: echo-message", test_label_echo},
    {"labeled-response: QUIT and excess flood", test_label_quit},
    {"labeled-response: nested CHATHISTORY batch", test_label_nested_batch},
    {"labeled-response: answers after the command are unlabeled", test_label_async},
    {"CAP LS/LIST 302 continuation lines", test_cap_continuation},
    {"cap-notify: CAP NEW/DEL on rehash", test_cap_notify},
    {"standard-replies, cap-notify, labeled-response offered", test_standard_replies_advertised},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("labels", tests);
}
