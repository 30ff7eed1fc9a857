/* SPDX-License-Identifier: MIT */
/* natterd over real sockets: labeled-response end to end (an ACK, a
 * labeled lone reply, a labeled-response batch, echo-message, QUIT, and a
 * REGISTER whose password is hashed on the worker thread, answered after
 * the command returned), and CAP LS 302 lines within 512 bytes.  The
 * in-memory suite (tests/server/test-labels.c) covers the corners. */
#include "live.h"

#include <stdio.h>
#include <string.h>

#define SRV ":" LIVE_SERVER_NAME " "
#define CAPS "batch labeled-response echo-message"

/* The value of tag name on line into out (size bytes), or 0 without it. */
static int tag_of(const char *line, const char *name, char *out, size_t size)
{
    if (line[0] != '@')
        return 0;
    size_t nlen = strlen(name), tags = strcspn(line, " ");
    for (size_t i = 1; i < tags; i += strcspn(line + i, ";") + 1) {
        if (strncmp(line + i, name, nlen) == 0 && line[i + nlen] == '=') {
            size_t n = strcspn(line + i + nlen + 1, "; ");
            snprintf(out, size, "%.*s", (int)n, line + i + nlen + 1);
            return 1;
        }
    }
    return 0;
}

static void test_labels(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "labeler", CAPS);
    irc_client *b = live_user(s, "watcher", NULL);

    /* No reply: an ACK; one reply: the label on it. */
    irc_send(a, "@label=ack1 PONG :nothing");
    const char *line = EXPECT(a, "ACK", NULL);
    CU_ASSERT_STRING_EQUAL(line, "@label=ack1 " SRV "ACK");
    irc_send(a, "@label=one PING :lone");
    line = EXPECT(a, "PONG", ":lone");
    CU_ASSERT_STRING_EQUAL(line, "@label=one " SRV "PONG " LIVE_SERVER_NAME " :lone");

    /* Several replies: one labeled-response batch. */
    irc_lines seen = {0};
    irc_send(a, "@label=join JOIN #labels");
    COLLECT(a, "BATCH", "BATCH -", &seen);
    char label[32] = "", id[32] = "", tag[32];
    int ok = seen.n >= 4 && tag_of(seen.v[0], "label", label, sizeof label) &&
             strcmp(label, "join") == 0 && strstr(seen.v[0], " labeled-response") != NULL;
    const char *plus = ok ? strstr(seen.v[0], "BATCH +") : NULL;
    if (plus)
        snprintf(id, sizeof id, "%.*s", (int)strcspn(plus + 7, " "), plus + 7);
    for (size_t i = 1; ok && i + 1 < seen.n; i++)
        ok = tag_of(seen.v[i], "batch", tag, sizeof tag) && strcmp(tag, id) == 0 &&
             !tag_of(seen.v[i], "label", tag, sizeof tag);
    ok = ok && id[0] && irc_lines_count(&seen, "JOIN", "#labels") == 1 &&
         irc_lines_count(&seen, "366", NULL) == 1 && strstr(seen.v[seen.n - 1], id) != NULL;
    if (!ok)
        irc_lines_print(&seen, "labeled JOIN");
    CU_ASSERT(ok);
    irc_lines_free(&seen);

    /* echo-message: the echo is labeled, the others' copy is not. */
    irc_send(b, "JOIN #labels");
    EXPECT(b, "366", NULL);
    SYNC(a);
    irc_send(a, "@label=say PRIVMSG #labels :hello there");
    line = EXPECT(a, "PRIVMSG", ":hello there");
    CU_ASSERT(strncmp(line, "@label=say ", 11) == 0);
    line = EXPECT(b, "PRIVMSG", ":hello there");
    CU_ASSERT(strstr(line, "label=") == NULL);

    /* QUIT: the ERROR line is labeled and arrives before the close. */
    irc_send(a, "@label=bye QUIT :done");
    EXPECT_CLOSED(a, &seen);
    CU_ASSERT(irc_lines_count(&seen, "ERROR", NULL) == 1);
    const char *error = irc_lines_find(&seen, "ERROR", NULL);
    CU_ASSERT(error && strncmp(error, "@label=bye ERROR ", 17) == 0);
    if (!error || strncmp(error, "@label=bye ", 11) != 0)
        irc_lines_print(&seen, "labeled QUIT");
    irc_lines_free(&seen);
    live_drop(s, a);
    live_stop(s);
}

/* REGISTER's password is hashed on the worker: whatever the command
 * itself answered carries the label (an ACK when the hash was still
 * running), the outcome arrives either way, and exactly one line of it
 * all is labeled. */
static void test_labels_async(void)
{
    live_server *s = live_start(LIVE_ACCOUNTS);
    if (!s)
        return;
    irc_client *a = live_user(s, "asyncer", CAPS);
    irc_lines seen = {0};
    irc_send(a, "@label=reg REGISTER * * a-long-enough-password");
    COLLECT(a, "REGISTER", "SUCCESS", &seen);
    SYNC_SEEN(a, &seen);
    CU_ASSERT_EQUAL(irc_lines_count(&seen, NULL, "@label=reg "), 1);
    if (irc_lines_count(&seen, NULL, "@label=reg ") != 1)
        irc_lines_print(&seen, "labeled REGISTER");
    irc_lines_free(&seen);
    /* Labels still work afterwards. */
    irc_send(a, "@label=after PING :later");
    const char *line = EXPECT(a, "PONG", ":later");
    CU_ASSERT(strncmp(line, "@label=after ", 13) == 0);
    live_stop(s);
}

/* CAP LS 302 over a socket: every line within 512 bytes, "*" on all but
 * the last, the framework capabilities offered. */
static void test_cap_ls(void)
{
    live_server *s = live_start(LIVE_ACCOUNTS);
    if (!s)
        return;
    irc_client *c = live_client(s, "capper", 0);
    irc_lines seen = {0};
    irc_send(c, "CAP LS 302");
    COLLECT(c, "CAP", " LS :", &seen);
    int ok = 1;
    for (size_t i = 0; i < seen.n; i++) {
        ok &= strlen(seen.v[i]) + 2 <= 512;
        if (irc_line_matches(seen.v[i], "CAP", NULL) && i + 1 < seen.n)
            ok &= strstr(seen.v[i], " LS * :") != NULL;
    }
    const char *want[] = {"labeled-response", "cap-notify", "standard-replies", "batch"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ok &= irc_lines_count(&seen, "CAP", want[i]) == 1;
    if (!ok)
        irc_lines_print(&seen, "CAP LS 302");
    CU_ASSERT(ok);
    irc_lines_free(&seen);
    irc_send(c, "CAP END");
    live_stop(s);
}

static CU_TestInfo tests[] = {
    {"labeled-response: ACK, one line, a batch, echo, QUIT", test_labels},
    {"labeled-response: REGISTER hashed on the worker", test_labels_async},
    {"CAP LS 302 lines", test_cap_ls},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    return live_main(argc, argv, "natterd-labels", tests);
}
