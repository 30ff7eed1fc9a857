/* SPDX-License-Identifier: MIT */
/* natterd over real sockets, given bad input and bad behaviour: empty
 * lines, over-long lines, NUL and CR bytes, invalid UTF-8, unknown
 * commands, binary garbage, connection churn, a flooding client, a client
 * that never reads.  The server must answer each with the right numeric
 * or a clear ERROR, keep the other clients' service fast, and never
 * crash (live_stop() checks it still serves and forgot everyone). */
#include "live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void join_all(irc_client **clients, const char **nicks, size_t n, const char *channel)
{
    for (size_t i = 0; i < n; i++) {
        irc_send(clients[i], "JOIN %s", channel);
        EXPECT(clients[i], "366", NULL);
        char text[96];
        snprintf(text, sizeof text, ":%s!~%s@127.0.0.1 JOIN %s", nicks[i], nicks[i], channel);
        for (size_t k = 0; k < i; k++)
            EXPECT(clients[k], "JOIN", text);
    }
}

/* A line of exactly len bytes (CRLF not counted) starting with head. */
static char *line_of(const char *head, size_t len, char fill)
{
    char *line = malloc(len + 3);
    CU_ASSERT_FATAL(line != NULL);
    size_t h = strlen(head);
    memcpy(line, head, h);
    memset(line + h, fill, len - h);
    memcpy(line + len, "\r\n", 3);
    return line;
}

static void test_empty_and_blank_lines(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_client(s, "blank", 0);
    static const char blanks[] = "\r\n\n\r\n   \r\n@tag=only\r\n:source.only\r\n";
    irc_send_raw(a, blanks, sizeof blanks - 1);
    EXPECT_NONE(a, NULL, NULL); /* not even 451: empty lines are ignored */
    CU_ASSERT(irc_register(a, "blank", NULL));
    irc_send_raw(a, blanks, sizeof blanks - 1);
    EXPECT_NONE(a, NULL, NULL);
    live_stop(s);
}

static void test_long_lines(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "longline", NULL);
    irc_client *b = live_user(s, "longpeer", NULL);
    irc_client *ab[] = {a, b};
    const char *nicks[] = {"longline", "longpeer"};
    join_all(ab, nicks, 2, "#long");

    /* line_length 512 with CRLF: 510 bytes are fine, 511 are not. */
    char *fits = line_of("PRIVMSG #long :", 510, 'x');
    irc_send_raw(a, fits, 512);
    const char *got = EXPECT(b, "PRIVMSG", "PRIVMSG #long :xxxx");
    CU_ASSERT(strlen(irc_line_trailing(got)) == 510 - strlen("PRIVMSG #long :"));
    free(fits);
    char *over = line_of("PRIVMSG #long :", 511, 'y');
    irc_send_raw(a, over, 513);
    EXPECT(a, "417", "longline :Input line was too long");
    EXPECT_NONE(b, "PRIVMSG", NULL);
    free(over);

    /* 10 KiB: past the framer's limit too; the connection stays usable. */
    char *big = line_of("PRIVMSG #long :", 10 * 1024, 'z');
    irc_send_raw(a, big, 10 * 1024 + 2);
    EXPECT_COUNT(a, "417", NULL, 1);
    EXPECT_NONE(b, "PRIVMSG", NULL);
    free(big);
    irc_send(a, "PRIVMSG #long :after the long line");
    EXPECT(b, "PRIVMSG", ":longline!~longline@127.0.0.1 PRIVMSG #long :after the long line");

    /* 1 MiB before the newline: dropped as it streams, one 417. */
    char *huge = line_of("PRIVMSG #long :", 1024 * 1024, 'h');
    irc_send_raw(a, huge, 1024 * 1024 + 2);
    EXPECT_COUNT(a, "417", NULL, 1);
    EXPECT_NONE(b, "PRIVMSG", NULL);
    free(huge);

    /* IRCv3 gives tags their own allowance beyond the 512 bytes: up to
     * 4094 bytes of tag data from a client is fine... */
    char *tags = line_of("@+big=", 8000, 't');
    char *tagged = malloc(8100);
    CU_ASSERT_FATAL(tagged != NULL);
    memcpy(tagged, tags, 4000);
    strcpy(tagged + 4000, " PRIVMSG #long :tagged\r\n");
    irc_send_raw(a, tagged, strlen(tagged));
    got = EXPECT(b, "PRIVMSG", ":longline!~longline@127.0.0.1 PRIVMSG #long :tagged");
    CU_ASSERT(got[0] == ':'); /* b did not ask for message-tags */
    /* ...more is refused whole with 417, not relayed without its tags. */
    memcpy(tagged, tags, 8000);
    strcpy(tagged + 8000, " PRIVMSG #long :too many tags\r\n");
    irc_send_raw(a, tagged, strlen(tagged));
    EXPECT(a, "417", ":Input line was too long");
    EXPECT_NONE(b, "PRIVMSG", NULL);
    free(tags);
    free(tagged);
    SYNC(a);
    live_stop(s);
}

static void test_nul_and_cr_bytes(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "nulsender", NULL);
    irc_client *b = live_user(s, "nulpeer", NULL);
    irc_client *ab[] = {a, b};
    const char *nicks[] = {"nulsender", "nulpeer"};
    join_all(ab, nicks, 2, "#bin");

    static const char nul[] = "PRIVMSG #bin :a\0b\r\n";
    irc_send_raw(a, nul, sizeof nul - 1);
    EXPECT(a, "400", "nulsender * :Line contains a NUL, CR or LF byte");
    /* A bare CR inside a line would let a client forge lines in others'
     * streams if it were relayed. */
    static const char cr[] = "PRIVMSG #bin :a\rFAKE b\r\n";
    irc_send_raw(a, cr, sizeof cr - 1);
    EXPECT(a, "400", NULL);
    static const char nuls[] = "\0\0\0\r\nNICK \0x\r\n";
    irc_send_raw(a, nuls, sizeof nuls - 1);
    EXPECT_COUNT(a, "400", NULL, 2);
    EXPECT_NONE(b, NULL, NULL);
    irc_send(a, "PRIVMSG #bin :clean");
    EXPECT(b, "PRIVMSG", ":nulsender!~nulsender@127.0.0.1 PRIVMSG #bin :clean");
    live_stop(s);
}

static void test_invalid_utf8(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "utfsender", NULL);
    irc_client *b = live_user(s, "utfpeer", NULL);
    irc_client *ab[] = {a, b};
    const char *nicks[] = {"utfsender", "utfpeer"};
    join_all(ab, nicks, 2, "#utf");

    /* UTF8ONLY (the default): text that is not UTF-8 is refused with a
     * FAIL and never relayed; valid UTF-8 passes byte for byte.  The
     * in-memory suite checks utf8_only = no. */
    irc_send(a, "PRIVMSG #utf :bad \xff\xfe bytes \xc3");
    EXPECT(a, "FAIL", "FAIL PRIVMSG INVALID_UTF8 :");
    irc_send(a, "PRIVMSG utfpeer :caf\xc3\xa9 \xe2\x9c\x93");
    const char *got = EXPECT(b, "PRIVMSG", "PRIVMSG utfpeer :");
    CU_ASSERT(strcmp(irc_line_trailing(got), "caf\xc3\xa9 \xe2\x9c\x93") == 0);
    /* Names are refused. */
    irc_send(a, "NICK bad\xff");
    EXPECT(a, "FAIL", "FAIL NICK INVALID_UTF8 :");
    irc_send(a, "JOIN #caf\xff");
    EXPECT(a, "FAIL", "FAIL JOIN INVALID_UTF8 :");
    irc_send(a, "JOIN #caf\xc3\xa9");
    EXPECT(a, "JOIN", " JOIN #caf\xc3\xa9");
    /* Topics, away messages, reasons: refused, never stored. */
    irc_send(a, "TOPIC #utf :\xff\xfe\xfd");
    EXPECT(a, "FAIL", "FAIL TOPIC INVALID_UTF8 :");
    irc_send(a, "AWAY :\xc3");
    EXPECT(a, "FAIL", "FAIL AWAY INVALID_UTF8 :");
    irc_send(a, "PART #utf :\xe2\x9c");
    EXPECT(a, "FAIL", "FAIL PART INVALID_UTF8 :");
    irc_send(a, "NOTICE #utf :\xe2\x9c");
    EXPECT_NONE(b, "NOTICE", NULL);
    EXPECT_NONE(b, "TOPIC", NULL);
    EXPECT_NONE(b, "PART", NULL);
    SYNC(a);
    live_stop(s);
}

static void test_unknown_commands(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "unknowner", NULL);
    irc_client *b = live_user(s, "unkpeer", NULL);
    irc_client *ab[] = {a, b};
    const char *nicks[] = {"unknowner", "unkpeer"};
    join_all(ab, nicks, 2, "#unk");

    irc_send(a, "FROBNICATE now");
    EXPECT(a, "421", "unknowner FROBNICATE :Unknown command");
    irc_send(a, "001 unknowner :I am a server");
    EXPECT(a, "421", "unknowner 001 :Unknown command");
    char *longcmd = line_of("", 300, 'Q');
    irc_send_raw(a, longcmd, 302);
    const char *got = EXPECT(a, "421", ":Unknown command");
    /* The name is client text: the reply bounds it. */
    CU_ASSERT(strlen(got) < 120);
    free(longcmd);
    /* A source prefix from a client is ignored, never relayed. */
    irc_send(a, ":spoofed!x@y.example PRIVMSG #unk :spoof");
    EXPECT(b, "PRIVMSG", ":unknowner!~unknowner@127.0.0.1 PRIVMSG #unk :spoof");
    /* More than 15 parameters: the rest rides in the last one. */
    irc_send(a, "PRIVMSG unkpeer 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17");
    EXPECT(b, "PRIVMSG", ":unknowner!~unknowner@127.0.0.1 PRIVMSG unkpeer :1");
    SYNC(a);
    live_stop(s);
}

/* xorshift32: the same garbage on every run. */
static unsigned next_random(unsigned *state)
{
    unsigned x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static void test_binary_garbage(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "garbler", NULL);
    irc_client *b = live_user(s, "garbpeer", NULL);
    irc_client *ab[] = {a, b};
    const char *nicks[] = {"garbler", "garbpeer"};
    join_all(ab, nicks, 2, "#garbage");
    enum { CHUNK = 8192, CHUNKS = 32 };
    char *buf = malloc(CHUNK);
    CU_ASSERT_FATAL(buf != NULL);
    unsigned state = 0x2545F491u;
    size_t replies = 0;
    for (int k = 0; k < CHUNKS && !irc_failed(a); k++) {
        for (size_t i = 0; i < CHUNK; i++) {
            unsigned r = next_random(&state);
            buf[i] = (r % 97 == 0) ? '\n' : (char)(r >> 8);
        }
        /* End each chunk with a line end, so the barrier's PING after
         * it is a line of its own. */
        memcpy(buf + CHUNK - 2, "\r\n", 2);
        irc_send_raw(a, buf, CHUNK);
        irc_lines seen = {0};
        SYNC_SEEN(a, &seen);
        replies += seen.n;
        irc_lines_free(&seen);
    }
    free(buf);
    nt_test_note("%d KiB of garbage drew %llu replies", CHUNKS * CHUNK / 1024,
                 (unsigned long long)replies);
    CU_ASSERT(replies > 0);
    irc_send(a, "PRIVMSG #garbage :still here");
    EXPECT(b, "PRIVMSG", ":garbler!~garbler@127.0.0.1 PRIVMSG #garbage :still here");
    live_stop(s);
}

static void test_connection_churn(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *watcher = live_user(s, "watcher", NULL);
    irc_send(watcher, "JOIN #churn");
    EXPECT(watcher, "366", NULL);
    unsigned joins = 0;
    for (int round = 0; round < 5; round++) {
        irc_client *c[10];
        for (int i = 0; i < 10; i++) {
            char label[24];
            snprintf(label, sizeof label, "churn%d_%d", round, i);
            c[i] = live_client(s, label, 0);
            switch (i % 5) {
            case 0: /* connects and says nothing */
                break;
            case 1: /* half a line */
                irc_send_raw(c[i], "NICK half", 9);
                break;
            case 2: /* registers, joins, goes (closed or reset) */
                irc_send(c[i], "NICK %s", label);
                irc_send(c[i], "USER %s 0 * :churn", label);
                irc_send(c[i], "JOIN #churn");
                /* Seen through, so a reset cannot overtake the JOIN. */
                EXPECT(c[i], "366", NULL);
                joins++;
                break;
            case 3: /* half registered */
                irc_send(c[i], "NICK %s", label);
                break;
            default: /* a command, then a reset */
                irc_send(c[i], "CAP LS 302");
                break;
            }
        }
        for (int i = 0; i < 10; i++) {
            if (i % 2)
                live_reset(s, c[i]);
            else
                live_drop(s, c[i]);
        }
    }
    /* Every registered one was seen to join and to leave. */
    unsigned seen_join = 0, seen_quit = 0;
    uint64_t deadline = nt_clock_ms() + 2 * irc_default_deadline();
    while ((seen_join < joins || seen_quit < joins) && nt_clock_ms() < deadline) {
        const char *line = irc_next(watcher, 500);
        if (!line)
            continue;
        seen_join += irc_line_matches(line, "JOIN", ":churn") != 0;
        seen_quit += irc_line_matches(line, "QUIT", ":churn") != 0;
    }
    CU_ASSERT(seen_join == joins && seen_quit == joins);
    nt_test_note("50 connections came and went; %u registered and joined", joins);
    live_stop(s);
}

/* A client whose penalty runs ahead is read no faster than it drains;
 * the others keep a fast service meanwhile. */
static void test_flood_is_throttled(void)
{
    live_server *s = live_start(LIVE_FLOOD);
    if (!s)
        return;
    irc_client *f = live_user(s, "flooder", NULL);
    irc_client *o = live_user(s, "observer", NULL);
    irc_client *by = live_user(s, "bystander", NULL);
    irc_client *all[] = {f, o, by};
    const char *nicks[] = {"flooder", "observer", "bystander"};
    join_all(all, nicks, 3, "#flood");

    enum { N = 25 };
    char burst[N * 40];
    size_t len = 0;
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(burst + len, sizeof burst - len, "PRIVMSG #flood :flood %d\r\n", i);
    uint64_t start = nt_clock_ms();
    irc_send_raw(f, burst, len);

    int next = 0, in_first_second = 0, disorder = 0;
    unsigned worst_rtt = 0, worst_relay = 0, by_sent = 0, by_seen = 0;
    uint64_t last_probe = 0, by_sent_at[64] = {0};
    uint64_t deadline = start + 4 * irc_default_deadline();
    while ((next < N || by_seen < by_sent) && nt_clock_ms() < deadline) {
        uint64_t now = nt_clock_ms();
        if (next < N && now - last_probe >= 200 && by_sent < 64) {
            /* The bystander: a PING round trip, and a message relayed
             * through the channel the flood is in. */
            last_probe = now;
            if (!irc_sync(by, NULL))
                break;
            unsigned rtt = (unsigned)(nt_clock_ms() - now);
            if (rtt > worst_rtt)
                worst_rtt = rtt;
            by_sent_at[by_sent] = nt_clock_ms();
            irc_send(by, "PRIVMSG #flood :by %u", by_sent);
            by_sent++;
        }
        const char *line = irc_next(o, 20);
        if (!line || !irc_line_matches(line, "PRIVMSG", NULL))
            continue;
        const char *text = irc_line_trailing(line);
        if (strncmp(text, "flood ", 6) == 0) {
            int n = atoi(text + 6);
            disorder += n != next;
            next = n + 1;
            if (nt_clock_ms() - start < 1000)
                in_first_second++;
        } else if (strncmp(text, "by ", 3) == 0) {
            unsigned k = (unsigned)atoi(text + 3);
            unsigned relay = k < 64 ? (unsigned)(nt_clock_ms() - by_sent_at[k]) : 0;
            if (relay > worst_relay)
                worst_relay = relay;
            by_seen++;
        }
    }
    double took = (double)(nt_clock_ms() - start) / 1000.0;
    nt_test_note("%d flood lines in %.1f s (%d in the first second); bystander: worst PING "
                 "round trip %u ms, worst relay %u ms over %u messages",
                 next, took, in_first_second, worst_rtt, worst_relay, by_seen);
    CU_ASSERT(next == N && disorder == 0);
    /* 20% of 1000 ms a PRIVMSG: about 5 lines a second past the 1 s allowance. */
    CU_ASSERT(in_first_second < N / 2);
    CU_ASSERT(took >= 2.5);
    unsigned bound = live_slow() ? 1500 : 500;
    CU_ASSERT(worst_rtt < bound);
    CU_ASSERT(worst_relay < bound);
    CU_ASSERT(by_seen == by_sent && by_sent > 5);
    SYNC(f); /* throttled, not dropped */
    live_stop(s);
}

/* Past flood_disconnect ahead of the clock the flooder is dropped. */
static void test_excess_flood(void)
{
    live_server *s = live_start(LIVE_EXCESS);
    if (!s)
        return;
    const char *nicks[] = {"excessive", "witness", "aside"};
    irc_client *c[3];
    for (int i = 0; i < 3; i++) {
        c[i] = live_client(s, nicks[i], 0);
        irc_register_send(c[i], nicks[i], NULL);
    }
    for (int i = 0; i < 3; i++)
        CU_ASSERT(irc_register_wait(c[i], NULL));
    join_all(c, nicks, 2, "#excess");
    /* MOTD costs 2 s; one past the 1 s threshold crosses flood_disconnect = 2. */
    static const char motds[] = "MOTD\r\nMOTD\r\nMOTD\r\nMOTD\r\n";
    irc_send_raw(c[0], motds, sizeof motds - 1);
    EXPECT(c[0], "ERROR", ":Closing Link: 127.0.0.1 (Excess Flood)");
    EXPECT_CLOSED(c[0], NULL);
    EXPECT(c[1], "QUIT", ":excessive!~excessive@127.0.0.1 QUIT :Excess Flood");
    SYNC(c[2]);
    live_stop(s);
}

/* A client in a busy channel that never reads: disconnected when its
 * queue passes the SendQ; the server's queues stay bounded; the reader
 * beside it keeps up. */
static void test_never_reading_client(void)
{
    live_server *s = live_start(LIVE_SENDQ);
    if (!s)
        return;
    size_t sendq = live_profile_sendq(LIVE_SENDQ);
    irc_client *sender = live_user(s, "sender", NULL);
    irc_client *reader = live_user(s, "reader", NULL);
    irc_client *stuck = live_client(s, "stuck", 4096);
    CU_ASSERT(irc_register(stuck, "stuck", NULL));
    irc_client *all[] = {sender, reader, stuck};
    const char *nicks[] = {"sender", "reader", "stuck"};
    join_all(all, nicks, 3, "#busy");
    live_queue_watch(s);

    enum { BATCH = 20, TEXT = 400 };
    static char batch[BATCH * (TEXT + 40)];
    char filler[TEXT + 1];
    memset(filler, 'b', TEXT);
    filler[TEXT] = '\0';
    unsigned seq = 0, worst_ms = 0;
    size_t bytes = 0;
    int dropped = 0;
    uint64_t deadline = nt_clock_ms() + 4 * irc_default_deadline();
    while (!dropped && bytes < 32u * 1024 * 1024 && nt_clock_ms() < deadline) {
        size_t len = 0;
        for (int i = 0; i < BATCH; i++)
            len += (size_t)snprintf(batch + len, sizeof batch - len, "PRIVMSG #busy :%u %s\r\n",
                                    seq++, filler);
        uint64_t sent_at = nt_clock_ms();
        if (irc_send_raw(sender, batch, len) < 0)
            break;
        bytes += len;
        /* The reader gets the whole batch, promptly, in order. */
        char last[16];
        snprintf(last, sizeof last, ":%u ", seq - 1);
        for (;;) {
            const char *line = irc_expect(reader, "PRIVMSG|QUIT", NULL);
            if (!line)
                break;
            if (irc_line_matches(line, "QUIT", ":stuck!~stuck@127.0.0.1 QUIT :SendQ exceeded")) {
                dropped = 1;
                continue;
            }
            if (strstr(line, last))
                break;
        }
        if (irc_failed(reader))
            break;
        unsigned ms = (unsigned)(nt_clock_ms() - sent_at);
        if (ms > worst_ms)
            worst_ms = ms;
    }
    size_t largest = 0, total = 0;
    live_queue_peak(s, &largest, &total);
    nt_test_note("stuck client dropped after %llu KiB to the channel; reader's slowest batch "
                 "%u ms",
                 (unsigned long long)(bytes / 1024), worst_ms);
    CU_ASSERT(dropped);
    CU_ASSERT(worst_ms < (live_slow() ? 3000u : 1000u));
    if (live_in_process(s)) {
        nt_test_note("peak output queue %llu bytes on one connection, %llu in all "
                     "(SendQ %llu)",
                     (unsigned long long)largest, (unsigned long long)total,
                     (unsigned long long)sendq);
        /* A queue holds at most the SendQ plus what one loop iteration
         * adds before writing (here one batch); it never grows past
         * that from one iteration to the next.  Two members receive. */
        CU_ASSERT(largest <= sendq + sizeof batch);
        CU_ASSERT(total <= 2 * (sendq + sizeof batch));
    } else {
        nt_test_skip("queue sizes are only visible with the server in-process");
    }
    /* The stuck client finds the connection closed once it reads. */
    irc_set_deadline(stuck, 4 * irc_default_deadline());
    CU_ASSERT(irc_expect_closed(stuck, 4 * irc_default_deadline(), NULL));
    irc_send(sender, "PRIVMSG #busy :after");
    EXPECT(reader, "PRIVMSG", ":after");
    live_stop(s);
}

static CU_TestInfo tests[] = {
    {"empty and blank lines are ignored", test_empty_and_blank_lines},
    {"long lines: 510 ok, 511 and 10 KiB and 1 MiB get 417, tags have room", test_long_lines},
    {"NUL and CR bytes get 400", test_nul_and_cr_bytes},
    {"invalid UTF-8: relayed in text, refused in names", test_invalid_utf8},
    {"unknown commands, spoofed prefixes, many parameters", test_unknown_commands},
    {"256 KiB of binary garbage", test_binary_garbage},
    {"connection churn: silent, partial, reset", test_connection_churn},
    {"a flood is throttled; others stay fast", test_flood_is_throttled},
    {"an excess flood disconnects", test_excess_flood},
    {"a client that never reads is dropped at SendQ", test_never_reading_client},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    return live_main(argc, argv, "natterd-abuse", tests);
}
