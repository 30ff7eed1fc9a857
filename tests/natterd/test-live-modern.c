/* SPDX-License-Identifier: MIT */
/* natterd over real sockets: the modern IRC features of issue 13
 * (docs/protocol.md): MONITOR and extended-monitor, WHOX, SETNAME,
 * invite-notify and the INVITE list, ban and invite exceptions, mutes,
 * STATUSMSG, +C and +T, WALLOPS and +w, LINKS, bots, ELIST filters, HELP.
 * The in-memory suites (tests/server/test-irc-monitor.c, test-irc-lists.c)
 * cover the corners; these check the same replies end to end. */
#include "live.h"

#include <stdio.h>
#include <string.h>

#define SRV ":" LIVE_SERVER_NAME " "

/* c joins channel and has the end of its NAMES. */
static void join(irc_client *c, const char *channel)
{
    irc_send(c, "JOIN %s", channel);
    char text[80];
    snprintf(text, sizeof text, "%s :End of /NAMES list.", channel);
    EXPECT(c, "366", text);
}

/* Does each space-separated token (" TOKEN ") appear in exactly one line
 * of command?  For 322 (LIST), there must be no other such lines. */
static int has_each(const irc_lines *seen, const char *command, const char *tokens)
{
    size_t names = 0, found = 0;
    while (*tokens) {
        size_t len = strcspn(tokens, " ");
        char text[64];
        snprintf(text, sizeof text, " %.*s ", (int)len, tokens);
        found += irc_lines_count(seen, command, text) == 1;
        names++;
        tokens += len + (tokens[len] == ' ');
    }
    return found == names &&
           (strcmp(command, "322") != 0 || irc_lines_count(seen, "322", NULL) == names);
}

/* VERSION ends with the ISUPPORT lines: each of tokens is in one. */
static void expect_isupport(irc_client *c, const char *tokens)
{
    irc_lines seen = {0};
    irc_send(c, "VERSION");
    irc_send(c, "PING :isupport-end");
    COLLECT(c, "PONG", ":isupport-end", &seen);
    int ok = has_each(&seen, "005", tokens);
    if (!ok)
        irc_lines_print(&seen, tokens);
    CU_ASSERT(ok);
    irc_lines_free(&seen);
}

/* LIST args answers exactly the channels in want (space-separated). */
static void expect_listed(irc_client *c, const char *args, const char *want, int at)
{
    irc_lines seen = {0};
    irc_send(c, "LIST%s%s", args[0] ? " " : "", args);
    live_collect(c, "323", NULL, &seen, __FILE__, at);
    int ok = has_each(&seen, "322", want);
    char what[200];
    snprintf(what, sizeof what, "LIST %s lists exactly '%s'", args, want);
    if (!ok)
        irc_lines_print(&seen, what);
    CU_assertImplementation(ok, (unsigned)at, what, __FILE__, "", CU_FALSE);
    irc_lines_free(&seen);
}
#define LISTED(c, args, want) expect_listed((c), (args), (want), __LINE__)

/* A reply line as wanted: equal, or starting with want's text before a
 * final '*' (for timestamps, idle times and descriptions). */
static int line_is(const char *line, const char *want)
{
    size_t n = strlen(want);
    return n && want[n - 1] == '*' ? strncmp(line, want, n - 1) == 0 : strcmp(line, want) == 0;
}

/* Send line; its reply, up to the first line of command end, must be
 * exactly the lines of want (NULL-terminated), in order.  Lines that
 * came before (up to a barrier) are skipped. */
static void reply_is(irc_client *c, const char *line, const char *end, const char *const *want,
                     int at)
{
    irc_lines seen = {0};
    live_sync(c, NULL, __FILE__, at);
    irc_send(c, "%s", line);
    live_collect(c, end, NULL, &seen, __FILE__, at);
    size_t n = 0;
    while (want[n])
        n++;
    int ok = seen.n == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = line_is(seen.v[i], want[i]);
    char what[200];
    snprintf(what, sizeof what, "the reply to %s is as wanted", line);
    if (!ok) {
        printf("\n    %s:%d: %s:", __FILE__, at, what);
        for (size_t i = 0; i < n; i++)
            printf("\n      want | %s", want[i]);
        irc_lines_print(&seen, irc_label(c));
    }
    CU_assertImplementation(ok, (unsigned)at, what, __FILE__, "", CU_FALSE);
    irc_lines_free(&seen);
}
#define REPLY_IS(c, line, end, ...) \
    reply_is((c), (line), (end), (const char *const[]){__VA_ARGS__, NULL}, __LINE__)

/* MONITOR + - C L S: 730 when a watched nick signs on or is taken by a
 * nick change, 731 when it quits or is left; 734 past 100 nicks. */
static void test_monitor(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *w = live_user(s, "mwatch", NULL);
    expect_isupport(w, "MONITOR=100");
    REPLY_IS(w, "MONITOR + mon1,Mon2,bad*nick", "731", SRV "731 mwatch :mon1,Mon2");
    irc_client *m1 = live_user(s, "mon1", NULL);
    EXPECT(w, "730", SRV "730 mwatch :mon1!~mon1@127.0.0.1");
    REPLY_IS(w, "MONITOR L", "733", SRV "732 mwatch :mon1,Mon2",
             SRV "733 mwatch :End of MONITOR list");
    REPLY_IS(w, "MONITOR S", "731", SRV "730 mwatch :mon1!~mon1@127.0.0.1", SRV "731 mwatch :Mon2");

    /* Taking a watched nick by NICK is a sign-on, leaving it a sign-off;
     * a change of case only is neither. */
    irc_client *o = live_user(s, "mother", NULL);
    irc_send(o, "NICK mon2");
    EXPECT(w, "730", SRV "730 mwatch :mon2!~mother@127.0.0.1");
    irc_send(o, "NICK MON2");
    EXPECT(o, "NICK", ":mon2!~mother@127.0.0.1 NICK :MON2");
    EXPECT_NONE(w, "730|731", NULL);
    irc_send(o, "NICK mother");
    EXPECT(w, "731", SRV "731 mwatch :MON2");
    live_quit(s, m1);
    EXPECT(w, "731", SRV "731 mwatch :mon1");

    /* - and C answer nothing; an empty list is just 733. */
    irc_send(w, "MONITOR - mon1");
    EXPECT_NONE(w, NULL, NULL);
    REPLY_IS(w, "MONITOR L", "733", SRV "732 mwatch :Mon2", SRV "733 mwatch :End of MONITOR list");
    irc_send(w, "MONITOR C");
    REPLY_IS(w, "MONITOR L", "733", SRV "733 mwatch :End of MONITOR list");
    live_user(s, "mon2", NULL);
    EXPECT_NONE(w, "730", NULL);
    REPLY_IS(w, "MONITOR +", "461", SRV "461 mwatch MONITOR :Not enough parameters");

    /* 100 nicks fit.  Past them, 734 names the targets that could not be
     * added, as sent (IRCv3 monitor): not one already listed, nor one
     * added before the list filled. */
    char list[512];
    size_t n = 0;
    for (int i = 0; i < 99; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%sq%d", i ? "," : "", i);
    irc_send(w, "MONITOR + %s", list);
    EXPECT(w, "731", "mwatch :q0,q1,");
    EXPECT_NONE(w, "734", NULL);
    REPLY_IS(w, "MONITOR + q0,last,extra,more", "734", SRV "731 mwatch :*",
             SRV "734 mwatch 100 extra,more :Monitor list is full.");
    live_user(s, "extra", NULL);
    EXPECT_NONE(w, "730", NULL);
    live_user(s, "last", NULL);
    EXPECT(w, "730", SRV "730 mwatch :last!~last@127.0.0.1");
    live_stop(s);
}

/* extended-monitor: AWAY (with away-notify) and SETNAME (with setname) of a
 * monitored nick reach the watcher without a shared channel, once with one. */
static void test_extended_monitor(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *ext = live_user(s, "xwatch", "away-notify extended-monitor setname");
    irc_client *plain = live_user(s, "xplain", "away-notify setname");
    irc_client *shared = live_user(s, "xshared", "away-notify extended-monitor");
    irc_client *t = live_user(s, "xtarget", NULL);
    irc_client *watchers[] = {ext, plain, shared};
    for (size_t i = 0; i < 3; i++)
        REPLY_IS(watchers[i], "MONITOR + xtarget", "730", SRV "730 *");
    join(shared, "#xroom");
    join(t, "#xroom");

    irc_send(t, "AWAY :lunch");
    EXPECT(t, "306", NULL);
    EXPECT(ext, "AWAY", ":xtarget!~xtarget@127.0.0.1 AWAY :lunch");
    EXPECT_NONE(plain, "AWAY", NULL);
    EXPECT_COUNT(shared, "AWAY", " AWAY :lunch", 1);
    irc_send(t, "AWAY");
    EXPECT(t, "305", NULL);
    EXPECT(ext, "AWAY", ":xtarget!~xtarget@127.0.0.1 AWAY");

    irc_send(t, "SETNAME :Target Two");
    SYNC(t);
    EXPECT(ext, "SETNAME", ":xtarget!~xtarget@127.0.0.1 SETNAME :Target Two");
    EXPECT_NONE(ext, "AWAY|SETNAME", NULL); /* each once */
    EXPECT_NONE(plain, "SETNAME", NULL);    /* no extended-monitor */
    EXPECT_NONE(shared, "SETNAME", NULL);   /* no setname */
    EXPECT_NONE(t, "SETNAME", NULL);        /* no setname: no echo */
    live_stop(s);
}

/* WHOX: 354 with the asked fields in the fixed order t c u i h s n f d l a
 * o r, the token, and WHO's o flag. */
static void test_whox(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "wxa", NULL);
    irc_client *b = live_user(s, "wxb", NULL);
    expect_isupport(a, "WHOX");
    join(a, "#wx");
    join(b, "#wx");
    irc_send(b, "AWAY :gone");
    EXPECT(b, "306", NULL);

    REPLY_IS(a, "WHO #wx %tcuihsnfdaor,42", "315",
             SRV "354 wxa 42 #wx ~wxa 127.0.0.1 127.0.0.1 " LIVE_SERVER_NAME
                 " wxa H@ 0 0 n/a :Test client wxa",
             SRV "354 wxa 42 #wx ~wxb 127.0.0.1 127.0.0.1 " LIVE_SERVER_NAME
                 " wxb G 0 0 n/a :Test client wxb",
             SRV "315 wxa #wx :End of /WHO list.");
    /* The order is fixed whatever the request's; 'o' after '%' is a field. */
    REPLY_IS(a, "WHO wxb %ofan", "315", SRV "354 wxa wxb G 0 n/a",
             SRV "315 wxa wxb :End of /WHO list.");
    /* Idle seconds: a number. */
    irc_send(a, "WHO wxb %%nl");
    const char *line = EXPECT(a, "354", SRV "354 wxa wxb ");
    unsigned idle = 999;
    char end = 0;
    const char *p = strstr(line, " wxa wxb ");
    CU_ASSERT(p && sscanf(p, " wxa wxb %u%c", &idle, &end) == 1 && idle < 60);
    EXPECT(a, "315", "wxa wxb :End of /WHO list.");
    /* Masks; a missing or bad token is 0. */
    REPLY_IS(a, "WHO wx* %tn", "315", SRV "354 wxa 0 wxa", SRV "354 wxa 0 wxb",
             SRV "315 wxa wx* :End of /WHO list.");
    REPLY_IS(a, "WHO wxb %tn,1234", "315", SRV "354 wxa 0 wxb", "*");
    REPLY_IS(a, "WHO wxb %tn,abc", "315", SRV "354 wxa 0 wxb", "*");
    /* The o flag before '%': operators only ('*' in the flags). */
    REPLY_IS(a, "WHO wx* o%n", "315", SRV "315 wxa wx* :End of /WHO list.");
    irc_send(b, "OPER " LIVE_OPER_NAME " " LIVE_OPER_PASSWORD);
    EXPECT(b, "381", NULL);
    REPLY_IS(a, "WHO wx* o%nf", "315", SRV "354 wxa wxb G*", SRV "315 *");
    live_stop(s);
}

/* SETNAME: to channel peers with setname and back to a sender with it;
 * WHOIS shows the new name; FAIL for an empty or too long name. */
static void test_setname(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "sna", "setname");
    irc_client *b = live_user(s, "snb", "setname");
    irc_client *c = live_user(s, "snc", NULL);
    expect_isupport(c, "NAMELEN=100");
    join(a, "#sn");
    join(b, "#sn");
    join(c, "#sn");
    SYNC(a);
    SYNC(b);

    irc_send(a, "SETNAME :Alice Liddell");
    EXPECT(a, "SETNAME", ":sna!~sna@127.0.0.1 SETNAME :Alice Liddell");
    EXPECT(b, "SETNAME", ":sna!~sna@127.0.0.1 SETNAME :Alice Liddell");
    EXPECT_NONE(c, "SETNAME", NULL);
    irc_send(c, "WHOIS sna");
    EXPECT(c, "311", SRV "311 snc sna ~sna 127.0.0.1 * :Alice Liddell");
    /* A sender without the capability is not echoed; peers still hear. */
    irc_send(c, "SETNAME :Charlie C");
    EXPECT(b, "SETNAME", ":snc!~snc@127.0.0.1 SETNAME :Charlie C");
    EXPECT_NONE(c, "SETNAME", NULL);

    /* 100 bytes are fine, 101 are not; an empty name neither. */
    char big[102];
    memset(big, 'x', 100);
    big[100] = '\0';
    irc_send(a, "SETNAME :%s", big);
    EXPECT(a, "SETNAME", big);
    EXPECT(b, "SETNAME", big);
    memcpy(big + 100, "y", 2);
    irc_send(a, "SETNAME :%s", big);
    EXPECT(a, "FAIL", SRV "FAIL SETNAME INVALID_REALNAME :Realname is not valid");
    REPLY_IS(a, "SETNAME :", "FAIL", SRV "FAIL SETNAME INVALID_REALNAME :Realname is not valid");
    REPLY_IS(a, "SETNAME", "461", SRV "461 sna SETNAME :Not enough parameters");
    EXPECT_NONE(b, "SETNAME", NULL);
    live_stop(s);
}

/* invite-notify: members with the capability see INVITEs into their
 * channel (under +i only operators); INVITE alone lists your invitations. */
static void test_invite_notify(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *op = live_user(s, "inop", "invite-notify");
    irc_client *mem = live_user(s, "inmember", "invite-notify");
    irc_client *plain = live_user(s, "inplain", NULL);
    irc_client *guest = live_user(s, "inguest", NULL);
    join(op, "#inv");
    join(mem, "#inv");
    join(plain, "#inv");
    SYNC(op);
    SYNC(mem);

    REPLY_IS(guest, "INVITE", "337", SRV "337 inguest :End of /INVITE list");
    REPLY_IS(mem, "INVITE inguest #inv", "341", SRV "341 inmember inguest #inv");
    EXPECT(guest, "INVITE", ":inmember!~inmember@127.0.0.1 INVITE inguest #inv");
    EXPECT(op, "INVITE", ":inmember!~inmember@127.0.0.1 INVITE inguest #inv");
    EXPECT_NONE(mem, "INVITE", NULL);
    EXPECT_NONE(plain, "INVITE", NULL);
    REPLY_IS(guest, "INVITE", "337", SRV "336 inguest #inv",
             SRV "337 inguest :End of /INVITE list");
    REPLY_IS(guest, "INVITE inop", "461", SRV "461 inguest INVITE :Not enough parameters");

    /* Under +i only operators hear of invitations. */
    irc_client *op2 = live_user(s, "inop2", "invite-notify");
    join(op2, "#inv");
    irc_send(op, "MODE #inv +io inop2");
    EXPECT(mem, "MODE", "MODE #inv +io inop2");
    EXPECT(op2, "MODE", "MODE #inv +io inop2");
    irc_client *guest2 = live_user(s, "inguest2", "invite-notify");
    REPLY_IS(mem, "INVITE inguest2 #inv", "482",
             SRV "482 inmember #inv :You're not channel operator");
    REPLY_IS(op, "INVITE inguest2 #inv", "341", SRV "341 inop inguest2 #inv");
    EXPECT(op2, "INVITE", ":inop!~inop@127.0.0.1 INVITE inguest2 #inv");
    /* The invited client hears it once, though it has the capability. */
    EXPECT_COUNT(guest2, "INVITE", ":inop!~inop@127.0.0.1 INVITE inguest2 #inv", 1);
    EXPECT_NONE(mem, "INVITE", NULL);
    EXPECT_NONE(plain, "INVITE", NULL);
    EXPECT_NONE(op, "INVITE", NULL);

    /* The invitation gets guest2 past +i once, and is used up. */
    join(guest2, "#inv");
    REPLY_IS(guest2, "INVITE", "337", SRV "337 inguest2 :End of /INVITE list");
    live_stop(s);
}

/* +e lets a banned mask join and speak; +I lets a mask into a +i channel
 * uninvited but not past a ban; the lists are 348/349 and 346/347. */
static void test_exceptions(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *op = live_user(s, "exop", NULL);
    irc_client *eb = live_user(s, "exbanned", NULL);
    irc_client *ic = live_user(s, "exinvex", NULL);
    irc_client *other = live_user(s, "exother", NULL);
    expect_isupport(op, "EXCEPTS=e INVEX=I CHANMODES=beI,k,l,CRTimnst MAXLIST=b:50,e:50,I:50");

    join(op, "#ex");
    irc_send(op, "MODE #ex +b *!*@127.0.0.1");
    EXPECT(op, "MODE", ":exop!~exop@127.0.0.1 MODE #ex +b *!*@127.0.0.1");
    REPLY_IS(eb, "JOIN #ex", "474", SRV "474 exbanned #ex :Cannot join channel (+b)");
    irc_send(op, "MODE #ex +e exbanned");
    EXPECT(op, "MODE", ":exop!~exop@127.0.0.1 MODE #ex +e exbanned!*@*");
    irc_send(eb, "JOIN #ex");
    EXPECT(op, "JOIN", ":exbanned!~exbanned@127.0.0.1 JOIN #ex");
    irc_send(eb, "PRIVMSG #ex :exempt");
    EXPECT(op, "PRIVMSG", ":exbanned!~exbanned@127.0.0.1 PRIVMSG #ex :exempt");
    EXPECT_NONE(eb, "404", NULL);
    REPLY_IS(other, "JOIN #ex", "474", SRV "474 exother #ex :Cannot join channel (+b)");

    /* Anyone may look at the list; only operators change it. */
    REPLY_IS(other, "MODE #ex e", "349", SRV "348 exother #ex exbanned!*@* exop!~exop@127.0.0.1 *",
             SRV "349 exother #ex :End of channel exception list");
    REPLY_IS(eb, "MODE #ex +e x", "482", SRV "482 exbanned #ex :You're not channel operator");
    irc_send(op, "MODE #ex -e exbanned!*@*");
    EXPECT(eb, "MODE", ":exop!~exop@127.0.0.1 MODE #ex -e exbanned!*@*");
    REPLY_IS(eb, "PRIVMSG #ex :banned again", "404",
             SRV "404 exbanned #ex :Cannot send to channel");

    /* +I: into +i without an invitation, for the matching mask only. */
    join(op, "#iv");
    irc_send(op, "MODE #iv +iI exinvex");
    EXPECT(op, "MODE", ":exop!~exop@127.0.0.1 MODE #iv +iI exinvex!*@*");
    REPLY_IS(other, "JOIN #iv", "473", SRV "473 exother #iv :Cannot join channel (+i)");
    irc_send(ic, "JOIN #iv");
    EXPECT(op, "JOIN", ":exinvex!~exinvex@127.0.0.1 JOIN #iv");
    REPLY_IS(other, "MODE #iv I", "347", SRV "346 exother #iv exinvex!*@* exop!~exop@127.0.0.1 *",
             SRV "347 exother #iv :End of channel invite list");
    /* A ban still applies to an invite exception. */
    irc_send(ic, "PART #iv");
    EXPECT(op, "PART", ":exinvex!~exinvex@127.0.0.1 PART #iv");
    irc_send(op, "MODE #iv +b exinvex");
    EXPECT(op, "MODE", "MODE #iv +b exinvex!*@*");
    REPLY_IS(ic, "JOIN #iv", "474", SRV "474 exinvex #iv :Cannot join channel (+b)");
    live_stop(s);
}

/* +b m:mask mutes: the member joins and reads, PRIVMSG gets 404, NOTICE is
 * dropped; voice, or an m: exception, lets it speak. */
static void test_mute(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *op = live_user(s, "muop", NULL);
    irc_client *m = live_user(s, "mumuted", NULL);
    expect_isupport(op, "EXTBAN=,m");
    join(op, "#mu");
    irc_send(op, "MODE #mu +b m:mumuted");
    EXPECT(op, "MODE", ":muop!~muop@127.0.0.1 MODE #mu +b m:mumuted!*@*");
    join(m, "#mu");
    EXPECT(op, "JOIN", ":mumuted!~mumuted@127.0.0.1 JOIN #mu");
    irc_send(op, "PRIVMSG #mu :read this");
    EXPECT(m, "PRIVMSG", ":muop!~muop@127.0.0.1 PRIVMSG #mu :read this");

    REPLY_IS(m, "PRIVMSG #mu :hi", "404", SRV "404 mumuted #mu :Cannot send to channel");
    irc_send(m, "NOTICE #mu :hi");
    EXPECT_NONE(m, NULL, NULL);
    EXPECT_NONE(op, NULL, NULL);
    REPLY_IS(m, "MODE #mu b", "368", SRV "367 mumuted #mu m:mumuted!*@* muop!~muop@127.0.0.1 *",
             SRV "368 mumuted #mu :End of channel ban list");

    /* Voice speaks through a mute. */
    irc_send(op, "MODE #mu +v mumuted");
    EXPECT(m, "MODE", "MODE #mu +v mumuted");
    irc_send(m, "PRIVMSG #mu :voiced");
    EXPECT(op, "PRIVMSG", ":mumuted!~mumuted@127.0.0.1 PRIVMSG #mu :voiced");
    irc_send(op, "MODE #mu -v mumuted");
    EXPECT(m, "MODE", "MODE #mu -v mumuted");
    /* So does an m: exception, which does not lift a plain ban. */
    irc_send(op, "MODE #mu +e m:mumuted");
    EXPECT(m, "MODE", "MODE #mu +e m:mumuted!*@*");
    irc_send(m, "NOTICE #mu :excepted");
    EXPECT(op, "NOTICE", ":mumuted!~mumuted@127.0.0.1 NOTICE #mu :excepted");
    irc_send(op, "MODE #mu +b mumuted");
    EXPECT(m, "MODE", "MODE #mu +b mumuted!*@*");
    REPLY_IS(m, "PRIVMSG #mu :plain ban", "404", SRV "404 mumuted #mu :Cannot send to channel");
    live_stop(s);
}

/* STATUSMSG: @#chan reaches only operators, +#chan voiced members and
 * operators, with the prefixed target kept; outsiders get 404. */
static void test_statusmsg(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *op = live_user(s, "stop", NULL);
    irc_client *v = live_user(s, "stvoice", NULL);
    irc_client *p = live_user(s, "stplain", NULL);
    irc_client *out = live_user(s, "stout", NULL);
    expect_isupport(op, "STATUSMSG=@+");
    join(op, "#st");
    join(v, "#st");
    join(p, "#st");
    irc_send(op, "MODE #st +v stvoice");
    EXPECT(v, "MODE", "MODE #st +v stvoice");
    EXPECT(p, "MODE", "MODE #st +v stvoice");
    SYNC(op);

    irc_send(p, "PRIVMSG @#st :ops only");
    EXPECT(op, "PRIVMSG", ":stplain!~stplain@127.0.0.1 PRIVMSG @#st :ops only");
    SYNC(p);
    EXPECT_NONE(v, "PRIVMSG", NULL);
    EXPECT_NONE(p, NULL, NULL);
    irc_send(p, "PRIVMSG +#st :voice and ops");
    EXPECT(op, "PRIVMSG", ":stplain!~stplain@127.0.0.1 PRIVMSG +#st :voice and ops");
    EXPECT(v, "PRIVMSG", ":stplain!~stplain@127.0.0.1 PRIVMSG +#st :voice and ops");
    EXPECT_NONE(p, NULL, NULL);
    irc_send(op, "NOTICE @#st :to ops");
    SYNC(op);
    EXPECT_NONE(v, "NOTICE", NULL);
    EXPECT_NONE(op, "NOTICE", NULL); /* the sender, without echo-message */

    /* Outsiders may not, even with -n. */
    irc_send(op, "MODE #st -n");
    EXPECT(op, "MODE", "MODE #st -n");
    REPLY_IS(out, "PRIVMSG @#st :sneaky", "404", SRV "404 stout #st :Cannot send to channel");
    irc_send(out, "PRIVMSG #st :plain is fine under -n");
    EXPECT(p, "PRIVMSG", ":stout!~stout@127.0.0.1 PRIVMSG #st :plain is fine under -n");
    EXPECT_NONE(op, "PRIVMSG", "sneaky");
    REPLY_IS(out, "PRIVMSG +#nowhere :x", "403", SRV "403 stout #nowhere :No such channel");
    live_stop(s);
}

/* +C: CTCP other than ACTION gets 404, for operators too; +T: channel
 * NOTICEs are dropped without a reply. */
static void test_no_ctcp_no_notice(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *op = live_user(s, "ctop", NULL);
    irc_client *m = live_user(s, "ctmember", NULL);
    join(op, "#ct");
    join(m, "#ct");
    irc_send(op, "MODE #ct +CT");
    EXPECT(m, "MODE", ":ctop!~ctop@127.0.0.1 MODE #ct +CT");
    REPLY_IS(m, "MODE #ct", "329", SRV "324 ctmember #ct +ntCT", "*");
    SYNC(op);

    const char *refused = SRV "404 ctmember #ct :Cannot send CTCP to channel (+C)";
    REPLY_IS(m, "PRIVMSG #ct :\001VERSION\001", "404", refused);
    REPLY_IS(m, "PRIVMSG #ct :\001ACTIONS\001", "404", refused);
    REPLY_IS(op, "PRIVMSG #ct :\001PING 123\001", "404",
             SRV "404 ctop #ct :Cannot send CTCP to channel (+C)");
    EXPECT_NONE(op, "PRIVMSG", NULL);
    irc_send(m, "PRIVMSG #ct :\001ACTION waves\001");
    EXPECT(op, "PRIVMSG", ":ctmember!~ctmember@127.0.0.1 PRIVMSG #ct :\001ACTION waves\001");
    irc_send(m, "PRIVMSG #ct :plain text");
    EXPECT(op, "PRIVMSG", ":ctmember!~ctmember@127.0.0.1 PRIVMSG #ct :plain text");
    /* CTCP to a nick is not the channel's business. */
    irc_send(m, "PRIVMSG ctop :\001VERSION\001");
    EXPECT(op, "PRIVMSG", ":ctmember!~ctmember@127.0.0.1 PRIVMSG ctop :\001VERSION\001");

    irc_send(m, "NOTICE #ct :dropped");
    irc_send(op, "NOTICE #ct :dropped too");
    SYNC(m);
    EXPECT_NONE(op, NULL, NULL);
    EXPECT_NONE(m, NULL, NULL);
    irc_send(m, "NOTICE ctop :to a nick");
    EXPECT(op, "NOTICE", ":ctmember!~ctmember@127.0.0.1 NOTICE ctop :to a nick");

    irc_send(op, "MODE #ct -T");
    EXPECT(m, "MODE", "MODE #ct -T");
    irc_send(m, "NOTICE #ct :heard");
    EXPECT(op, "NOTICE", ":ctmember!~ctmember@127.0.0.1 NOTICE #ct :heard");
    irc_send(op, "MODE #ct -C");
    EXPECT(m, "MODE", "MODE #ct -C");
    irc_send(m, "PRIVMSG #ct :\001VERSION\001");
    EXPECT(op, "PRIVMSG", ":ctmember!~ctmember@127.0.0.1 PRIVMSG #ct :\001VERSION\001");
    live_stop(s);
}

/* WALLOPS: operators only (481), to every +w client and nobody else. */
static void test_wallops(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *o = live_user(s, "waoper", NULL);
    irc_client *w = live_user(s, "wawatch", NULL);
    irc_client *p = live_user(s, "waplain", NULL);
    REPLY_IS(w, "MODE wawatch +w", "MODE", ":wawatch MODE wawatch :+w");
    REPLY_IS(w, "MODE wawatch", "221", SRV "221 wawatch +w");

    REPLY_IS(o, "WALLOPS :not yet", "481",
             SRV "481 waoper :Permission Denied- You're not an IRC operator");
    irc_send(o, "OPER " LIVE_OPER_NAME " " LIVE_OPER_PASSWORD);
    EXPECT(o, "381", "waoper :You are now an IRC operator");
    REPLY_IS(o, "WALLOPS", "461", SRV "461 waoper WALLOPS :Not enough parameters");
    irc_send(o, "WALLOPS :hello all");
    EXPECT(w, "WALLOPS", ":waoper!~waoper@127.0.0.1 WALLOPS :hello all");
    SYNC(o);
    EXPECT_NONE(p, NULL, NULL);
    EXPECT_NONE(o, "WALLOPS", NULL);

    /* The sender hears it when +w; -w stops it. */
    irc_send(o, "MODE waoper +w");
    EXPECT(o, "MODE", "MODE waoper :+w");
    irc_send(w, "MODE wawatch -w");
    EXPECT(w, "MODE", "MODE wawatch :-w");
    irc_send(o, "WALLOPS :again");
    EXPECT(o, "WALLOPS", ":waoper!~waoper@127.0.0.1 WALLOPS :again");
    EXPECT_NONE(w, "WALLOPS", NULL);
    EXPECT_NONE(p, NULL, NULL);
    REPLY_IS(o, "MODE waoper", "221", SRV "221 waoper +ow");
    live_stop(s);
}

/* LINKS: this one server (364) if it matches the mask, then 365. */
static void test_links(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "lnk", NULL);
#define ME SRV "364 lnk " LIVE_SERVER_NAME " " LIVE_SERVER_NAME " :0 *"
    REPLY_IS(a, "LINKS", "365", ME, SRV "365 lnk * :End of /LINKS list");
    REPLY_IS(a, "LINKS *.test", "365", ME, SRV "365 lnk *.test :End of /LINKS list");
    REPLY_IS(a, "LINKS other.example", "365", SRV "365 lnk other.example :End of /LINKS list");
    REPLY_IS(a, "LINKS " LIVE_SERVER_NAME " irc.*", "365", ME,
             SRV "365 lnk irc.* :End of /LINKS list");
#undef ME
    REPLY_IS(a, "LINKS other.example *", "402", SRV "402 lnk other.example :No such server");
    live_stop(s);
}

/* +B bots: BOT=B, 335 in WHOIS, B in WHO and WHOX flags. */
static void test_bot(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "bthuman", NULL);
    irc_client *b = live_user(s, "btrobot", NULL);
    expect_isupport(a, "BOT=B");
    REPLY_IS(b, "MODE btrobot +B", "MODE", ":btrobot MODE btrobot :+B");
    REPLY_IS(b, "MODE btrobot", "221", SRV "221 btrobot +B");
    join(b, "#bt");

    REPLY_IS(a, "WHOIS btrobot", "318",
             SRV "311 bthuman btrobot ~btrobot 127.0.0.1 * :Test client btrobot",
             SRV "319 bthuman btrobot :@#bt", SRV "312 bthuman btrobot " LIVE_SERVER_NAME " :*",
             SRV "335 bthuman btrobot :is a bot on " LIVE_NETWORK, SRV "317 bthuman btrobot *",
             SRV "318 bthuman btrobot :End of /WHOIS list.");
    REPLY_IS(a, "WHO #bt", "315",
             SRV "352 bthuman #bt ~btrobot 127.0.0.1 " LIVE_SERVER_NAME
                 " btrobot H@B :0 Test client btrobot",
             SRV "315 bthuman #bt :End of /WHO list.");
    REPLY_IS(a, "WHO btrobot %nf", "315", SRV "354 bthuman btrobot HB", "*");
    REPLY_IS(b, "MODE btrobot -B", "MODE", ":btrobot MODE btrobot :-B");
    REPLY_IS(a, "WHOIS btrobot", "318", SRV "311 *", SRV "319 *", SRV "312 *", SRV "317 *",
             SRV "318 *");
    REPLY_IS(a, "WHO btrobot %nf", "315", SRV "354 bthuman btrobot H", "*");
    live_stop(s);
}

/* ELIST=CMNTU: member counts, channel and topic ages, masks and !masks. */
static void test_list_filters(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "ela", NULL);
    irc_client *b = live_user(s, "elb", NULL);
    expect_isupport(a, "ELIST=CMNTU");
    join(a, "#el-busy");
    join(b, "#el-busy");
    join(a, "#el-one");
    join(b, "#el-topic");
    irc_send(b, "TOPIC #el-topic :fresh");
    EXPECT(b, "TOPIC", ":elb!~elb@127.0.0.1 TOPIC #el-topic :fresh");
    join(a, "#other");

    LISTED(a, "", "#el-busy #el-one #el-topic #other");
    LISTED(a, ">1", "#el-busy");
    REPLY_IS(a, "LIST >1", "323", SRV "321 ela Channel :Users  Name",
             SRV "322 ela #el-busy 2 :[+nt] ", SRV "323 ela :End of /LIST");
    LISTED(a, "<2", "#el-one #el-topic #other");
    LISTED(a, "<1", "");
    LISTED(a, ">0,<3", "#el-busy #el-one #el-topic #other");
    /* Every channel was created just now, and one topic set just now. */
    LISTED(a, "C<60", "#el-busy #el-one #el-topic #other");
    LISTED(a, "C>60", "");
    LISTED(a, "T<60", "#el-topic");
    REPLY_IS(a, "LIST T<60", "323", "*", SRV "322 ela #el-topic 1 :[+nt] fresh", "*");
    LISTED(a, "T>60", "");
    /* Masks: one must match, no !mask may. */
    LISTED(a, "#el-*", "#el-busy #el-one #el-topic");
    LISTED(a, "#el-*,!#el-busy", "#el-one #el-topic");
    LISTED(a, "#el-b*,#oth?r", "#el-busy #other");
    LISTED(a, "!#el-*", "#other");
    /* All filters hold together; a plain name is a mask among them. */
    LISTED(a, "#el-*,>1,C<60", "#el-busy");
    LISTED(a, "#el-*,<2,T<60", "#el-topic");
    LISTED(a, "#el-one,<2", "#el-one");
    /* Plain names list just those channels, as before. */
    LISTED(a, "#el-one,#el-busy", "#el-busy #el-one");
    /* A secret channel stays hidden from outsiders under filters too. */
    irc_send(b, "MODE #el-topic +s");
    EXPECT(b, "MODE", "MODE #el-topic +s");
    LISTED(a, "T<60", "");
    LISTED(b, "T<60", "#el-topic");
    live_stop(s);
}

/* HELP and HELPOP: 704 705... 706 for a command, the index without a
 * subject, 524 for an unknown one. */
static void test_help(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "helper", NULL);
    REPLY_IS(a, "HELP privmsg", "706", SRV "704 helper PRIVMSG :PRIVMSG target[,target...] :text",
             SRV "705 helper PRIVMSG :Sends a message *", SRV "705 helper PRIVMSG :*",
             SRV "706 helper PRIVMSG :End of /HELP");
    REPLY_IS(a, "HELPOP monitor", "706",
             SRV "704 helper MONITOR :MONITOR +|- nick[,nick...] | C | L | S",
             SRV "705 helper MONITOR :Watches nicks come online and go.",
             SRV "706 helper MONITOR :End of /HELP");

    /* The index: every command, each name followed by a space. */
    irc_lines seen = {0};
    irc_send(a, "HELP");
    COLLECT(a, "706", SRV "706 helper * :End of /HELP", &seen);
    CU_ASSERT(irc_lines_count(&seen, "704", SRV "704 helper * :** Help System **") == 1);
    const char *cmds[] = {"MONITOR", "SETNAME", "WALLOPS", "LINKS", "HELP", "HELPOP", "WHO"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char mid[32], first[32];
        snprintf(mid, sizeof mid, " %s ", cmds[i]);
        snprintf(first, sizeof first, "* :%s ", cmds[i]);
        size_t n = irc_lines_count(&seen, "705", mid) + irc_lines_count(&seen, "705", first);
        if (n != 1)
            irc_lines_print(&seen, cmds[i]);
        CU_ASSERT(n == 1);
    }
    irc_lines_free(&seen);
    REPLY_IS(a, "HELP nosuch", "524", SRV "524 helper nosuch :No help available on this topic");
    live_stop(s);
}

static CU_TestInfo tests[] = {
    {"MONITOR + - C L S, sign-on and sign-off, 734", test_monitor},
    {"extended-monitor: AWAY and SETNAME of monitored nicks", test_extended_monitor},
    {"WHOX fields, order and token", test_whox},
    {"SETNAME and the setname capability", test_setname},
    {"invite-notify and the INVITE list", test_invite_notify},
    {"+e ban exceptions and +I invite exceptions", test_exceptions},
    {"+b m: mutes", test_mute},
    {"STATUSMSG @#chan and +#chan", test_statusmsg},
    {"+C no CTCP and +T no NOTICE", test_no_ctcp_no_notice},
    {"WALLOPS and user mode +w", test_wallops},
    {"LINKS", test_links},
    {"+B bots in WHOIS and WHO", test_bot},
    {"LIST with ELIST filters", test_list_filters},
    {"HELP and HELPOP", test_help},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    return live_main(argc, argv, "natterd-modern", tests);
}
