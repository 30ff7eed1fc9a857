/* SPDX-License-Identifier: MIT */
/* History and read markers over real sockets (the accounts profile of
 * live.h: a store on a real SQLite file): two connections of one account
 * (SASL PLAIN) hear each other's MARKREAD, and a JOIN brings the marker
 * before the end of NAMES; CHATHISTORY answers after natterd stopped and
 * started again on the same file, with the msgids the messages had live.
 * In-process natively and under wine, and through external.sh against
 * natterd and natterd.exe under wine (where the restart, which needs the
 * server in this process, is skipped).  An external server keeps its
 * accounts and history for the whole run, so every test uses names of its
 * own. */
#include "live.h"
#include "scram-client.h"

#include <stdio.h>
#include <string.h>

#define HISTORY_CAPS "batch server-time message-tags draft/chathistory draft/read-marker"

static void register_account(live_server *s, const char *nick, const char *password)
{
    irc_client *c = live_user(s, nick, NULL);
    irc_send(c, "REGISTER * * :%s", password);
    EXPECT(c, "REGISTER", "SUCCESS");
    live_quit(s, c);
}

/* A new connection as nick, logged in to account with SASL PLAIN, with caps. */
static irc_client *login(live_server *s, const char *nick, const char *account,
                         const char *password, const char *caps)
{
    irc_client *c = live_client(s, nick, 0);
    irc_send(c, "CAP LS 302");
    irc_send(c, "CAP REQ :sasl %s", caps);
    EXPECT(c, "CAP", "ACK");
    irc_send(c, "AUTHENTICATE PLAIN");
    EXPECT(c, "AUTHENTICATE", "+");
    char enc[400], text[128];
    CU_ASSERT_FATAL(sasl_plain_b64(account, password, enc, sizeof enc) == 0);
    irc_send(c, "AUTHENTICATE %s", enc);
    snprintf(text, sizeof text, "You are now logged in as %s", account);
    EXPECT(c, "900", text);
    EXPECT(c, "903", NULL);
    irc_send(c, "NICK %s", nick);
    irc_send(c, "USER %s 0 * :%s", nick, nick);
    irc_send(c, "CAP END");
    EXPECT(c, "001", NULL);
    EXPECT(c, "376|422", NULL);
    return c;
}

/* The value of the msgid tag of line into out ("" when none). */
static void msgid_of(const char *line, char *out, size_t size)
{
    const char *p = line ? strstr(line, "msgid=") : NULL;
    const char *end = line ? strchr(line, ' ') : NULL;
    if (!p || line[0] != '@' || p > end) {
        snprintf(out, size, "%s", "");
        return;
    }
    p += 6;
    snprintf(out, size, "%.*s", (int)strcspn(p, "; "), p);
}

static void test_markread_two_clients(void)
{
    live_server *s = live_start(LIVE_ACCOUNTS);
    if (!s)
        return;
    register_account(s, "lvmark", "mark-password");
    irc_client *a = login(s, "lvmark", "lvmark", "mark-password", "draft/read-marker");
    irc_client *b = login(s, "lvmark2", "lvmark", "mark-password", "draft/read-marker");
    irc_client *c = login(s, "lvmark3", "lvmark", "mark-password", "server-time");
    irc_send(a, "MARKREAD #lvmark");
    EXPECT(a, "MARKREAD", "#lvmark *");
    irc_send(a, "MARKREAD #lvmark timestamp=2024-05-01T12:00:00.123Z");
    EXPECT(a, "MARKREAD", "#lvmark timestamp=2024-05-01T12:00:00.123Z");
    EXPECT(b, "MARKREAD", "#lvmark timestamp=2024-05-01T12:00:00.123Z");
    irc_send(b, "MARKREAD #lvmark timestamp=2024-05-01T12:00:01.000Z");
    EXPECT(b, "MARKREAD", "#lvmark timestamp=2024-05-01T12:00:01.000Z");
    EXPECT(a, "MARKREAD", "#lvmark timestamp=2024-05-01T12:00:01.000Z");
    /* Backwards: only the sender is told where it is. */
    irc_send(b, "MARKREAD #lvmark timestamp=2024-05-01T11:00:00.000Z");
    EXPECT(b, "MARKREAD", "#lvmark timestamp=2024-05-01T12:00:01.000Z");
    EXPECT_NONE(a, "MARKREAD", NULL);
    EXPECT_NONE(c, "MARKREAD", NULL);
    /* A JOIN brings the marker, before the end of NAMES. */
    irc_send(b, "JOIN #lvmark");
    irc_lines seen = {0};
    COLLECT(b, "366", NULL, &seen);
    const char *marker = irc_lines_find(&seen, "MARKREAD", "#lvmark timestamp=2024-05-01T12:00:01");
    CU_ASSERT(marker != NULL);
    CU_ASSERT(irc_lines_find(&seen, "JOIN", "#lvmark") != NULL);
    if (!marker)
        irc_lines_print(&seen, "lvmark2's JOIN");
    irc_lines_free(&seen);
    live_stop(s);
}

static void test_history_after_restart(void)
{
    live_server *s = live_start(LIVE_ACCOUNTS);
    if (!s)
        return;
    if (!live_in_process(s)) {
        nt_test_skip("a restart needs the server in this process");
        live_stop(s);
        return;
    }
    register_account(s, "lvhist", "hist-password");
    irc_client *a = login(s, "lvhist", "lvhist", "hist-password", HISTORY_CAPS);
    irc_client *w = live_user(s, "lvwatch", "message-tags");
    irc_send(a, "JOIN #lvhist");
    EXPECT(a, "366", NULL);
    /* Registered, so the channel outlives everyone leaving it (an
     * unregistered one that empties starts over: docs/admin.md). */
    irc_send(a, "PRIVMSG ChanServ :REGISTER #lvhist");
    EXPECT(a, "NOTICE", "#lvhist is now registered to lvhist");
    irc_send(w, "JOIN #lvhist");
    EXPECT(w, "366", NULL);
    char ids[3][32];
    for (int i = 0; i < 3; i++) {
        irc_send(a, "PRIVMSG #lvhist :said before %d", i);
        char text[32];
        snprintf(text, sizeof text, "said before %d", i);
        msgid_of(EXPECT(w, "PRIVMSG", text), ids[i], sizeof ids[i]);
        CU_ASSERT(ids[i][0] != '\0');
    }
    irc_send(w, "PRIVMSG lvhist :private before");
    EXPECT(a, "PRIVMSG", "private before");
    CU_ASSERT_FATAL(live_restart(s));

    a = login(s, "lvhist", "lvhist", "hist-password", HISTORY_CAPS);
    irc_send(a, "JOIN #lvhist");
    irc_lines seen = {0};
    COLLECT(a, "366", NULL, &seen);
    CU_ASSERT(irc_lines_find(&seen, "MARKREAD", "#lvhist *") != NULL);
    irc_lines_free(&seen);
    irc_send(a, "CHATHISTORY LATEST #lvhist * 10");
    EXPECT(a, "BATCH", "chathistory #lvhist");
    for (int i = 0; i < 3; i++) {
        char text[32], id[32];
        snprintf(text, sizeof text, "said before %d", i);
        msgid_of(EXPECT(a, "PRIVMSG", text), id, sizeof id);
        CU_ASSERT_STRING_EQUAL(id, ids[i]);
    }
    EXPECT(a, "BATCH", "-");
    /* The private conversation is the account's, under the other nick. */
    irc_send(a, "CHATHISTORY LATEST lvwatch * 10");
    EXPECT(a, "BATCH", "chathistory lvwatch");
    EXPECT(a, "PRIVMSG", "private before");
    EXPECT(a, "BATCH", "-");
    /* New messages get msgids above the old ones, and come after them. */
    irc_send(a, "PRIVMSG #lvhist :said after");
    SYNC(a);
    irc_send(a, "CHATHISTORY AFTER #lvhist msgid=%s 10", ids[2]);
    EXPECT(a, "BATCH", "chathistory #lvhist");
    irc_lines after = {0};
    COLLECT(a, "BATCH", "-", &after);
    CU_ASSERT_EQUAL(irc_lines_count(&after, "PRIVMSG", NULL), 1);
    CU_ASSERT(irc_lines_find(&after, "PRIVMSG", "said after") != NULL);
    irc_lines_free(&after);
    irc_send(a, "PRIVMSG ChanServ :DROP #lvhist");
    EXPECT(a, "NOTICE", "#lvhist has been dropped");
    live_stop(s);
}

static const CU_TestInfo tests[] = {
    {"MARKREAD between two clients of one account, and on JOIN", test_markread_two_clients},
    {"CHATHISTORY after a restart on the same database", test_history_after_restart},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    return live_main(argc, argv, "natterd-history-live", tests);
}
