/* SPDX-License-Identifier: MIT */
/* natterd over real sockets: JOIN PART TOPIC NAMES LIST KICK INVITE and
 * MODE (channel and user), each seen by every member it concerns. */
#include "live.h"

#include <stdio.h>
#include <string.h>

/* c joins channel; everyone in peers (NULL-terminated) sees the JOIN. */
static void join_seen(irc_client *c, const char *nick, const char *channel, irc_client **peers)
{
    char text[96];
    snprintf(text, sizeof text, ":%s!~%s@127.0.0.1 JOIN %s", nick, nick, channel);
    irc_send(c, "JOIN %s", channel);
    EXPECT(c, "366", NULL);
    for (size_t i = 0; peers && peers[i]; i++)
        EXPECT(peers[i], "JOIN", text);
}

static void test_join_part_topic_names(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "chanop", NULL);
    irc_client *b = live_user(s, "member", NULL);
    irc_client *c = live_user(s, "outsider", NULL);
    irc_send(a, "JOIN #room");
    EXPECT(a, "JOIN", ":chanop!~chanop@127.0.0.1 JOIN #room");
    EXPECT(a, "353", "chanop = #room :@chanop");
    EXPECT(a, "366", "chanop #room :End of /NAMES list.");
    irc_send(a, "TOPIC #room");
    EXPECT(a, "331", "chanop #room :No topic is set");
    irc_send(a, "TOPIC #room :Welcome all");
    EXPECT(a, "TOPIC", ":chanop!~chanop@127.0.0.1 TOPIC #room :Welcome all");

    /* Names compare under the casemapping; the channel keeps its spelling. */
    irc_send(b, "JOIN #ROOM");
    EXPECT(a, "JOIN", ":member!~member@127.0.0.1 JOIN #room");
    EXPECT(b, "JOIN", ":member!~member@127.0.0.1 JOIN #room");
    EXPECT(b, "332", "member #room :Welcome all");
    EXPECT(b, "333", "member #room chanop!~chanop@127.0.0.1 ");
    const char *names = EXPECT(b, "353", "member = #room :");
    CU_ASSERT(strstr(names, "@chanop") && strstr(names, "member"));
    EXPECT(b, "366", NULL);

    /* Anyone may read the topic and the names. */
    irc_send(c, "TOPIC #room");
    EXPECT(c, "332", "outsider #room :Welcome all");
    irc_send(c, "NAMES #room");
    names = EXPECT(c, "353", "#room :");
    CU_ASSERT(strstr(names, "@chanop") && strstr(names, "member"));
    EXPECT(c, "366", "#room :End of /NAMES list.");
    irc_send(c, "NAMES #nowhere");
    EXPECT(c, "366", "#nowhere :End of /NAMES list.");

    irc_send(c, "JOIN");
    EXPECT(c, "461", "JOIN :Not enough parameters");
    irc_send(c, "JOIN room");
    EXPECT(c, "403", "outsider room :No such channel");
    irc_send(c, "JOIN #bad\x07name");
    EXPECT(c, "476", ":Bad Channel Mask");
    irc_send(c, "PART #nowhere");
    EXPECT(c, "403", "#nowhere :No such channel");
    irc_send(c, "PART #room");
    EXPECT(c, "442", "#room :You're not on that channel");
    irc_send(c, "PART");
    EXPECT(c, "461", "PART :Not enough parameters");
    irc_send(c, "TOPIC #room :mine now");
    EXPECT(c, "442", "#room :You're not on that channel");
    irc_send(c, "TOPIC #nowhere");
    EXPECT(c, "403", NULL);
    irc_send(c, "TOPIC");
    EXPECT(c, "461", "TOPIC :Not enough parameters");
    /* +t is on by default: members who are not ops cannot set it. */
    irc_send(b, "TOPIC #room :member topic");
    EXPECT(b, "482", "#room :You're not channel operator");

    /* Several at once, and JOIN 0 parts them all. */
    irc_send(c, "JOIN #one,#two");
    EXPECT(c, "JOIN", " JOIN #one");
    EXPECT(c, "JOIN", " JOIN #two");
    irc_send(c, "JOIN 0");
    EXPECT_COUNT(c, "PART", ":Left all channels", 2);

    irc_send(b, "PART #room :gotta go");
    EXPECT(b, "PART", ":member!~member@127.0.0.1 PART #room :gotta go");
    EXPECT(a, "PART", ":member!~member@127.0.0.1 PART #room :gotta go");
    /* A channel ends with its last member: the next JOIN creates it anew. */
    irc_send(a, "PART #room");
    EXPECT(a, "PART", ":chanop!~chanop@127.0.0.1 PART #room");
    irc_send(c, "JOIN #room");
    irc_lines seen = {0};
    COLLECT(c, "366", NULL, &seen);
    CU_ASSERT(irc_lines_count(&seen, "353", "= #room :@outsider") == 1);
    CU_ASSERT(irc_lines_count(&seen, "332", NULL) == 0);
    irc_lines_free(&seen);
    live_stop(s);
}

static void test_channel_modes(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *op = live_user(s, "modeop", NULL);
    irc_client *v = live_user(s, "voiced", NULL);
    irc_client *x = live_user(s, "visitor", NULL);
    irc_client *loner = live_user(s, "loner", NULL);
    join_seen(op, "modeop", "#modes", NULL);
    irc_client *just_op[] = {op, NULL};
    join_seen(v, "voiced", "#modes", just_op);

    irc_send(op, "MODE #modes");
    EXPECT(op, "324", "modeop #modes +nt");
    EXPECT(op, "329", "modeop #modes ");

    /* +n (default): no messages from outside. */
    irc_send(x, "PRIVMSG #modes :from outside");
    EXPECT(x, "404", "visitor #modes :Cannot send to channel");
    irc_send(op, "MODE #modes -n");
    EXPECT(op, "MODE", ":modeop!~modeop@127.0.0.1 MODE #modes -n");
    EXPECT(v, "MODE", ":modeop!~modeop@127.0.0.1 MODE #modes -n");
    irc_send(x, "PRIVMSG #modes :from outside");
    EXPECT(v, "PRIVMSG", ":visitor!~visitor@127.0.0.1 PRIVMSG #modes :from outside");

    /* Only operators change modes. */
    irc_send(v, "MODE #modes +m");
    EXPECT(v, "482", "#modes :You're not channel operator");
    irc_send(x, "MODE #modes +m");
    EXPECT(x, "442", "#modes :You're not on that channel");

    /* +m silences all but ops and voiced members. */
    irc_send(op, "MODE #modes +m");
    EXPECT(v, "MODE", "MODE #modes +m");
    irc_send(v, "PRIVMSG #modes :muted");
    EXPECT(v, "404", "#modes :Cannot send to channel");
    irc_send(op, "MODE #modes +v voiced");
    EXPECT(v, "MODE", "MODE #modes +v voiced");
    irc_send(v, "PRIVMSG #modes :voiced now");
    EXPECT(op, "PRIVMSG", ":voiced!~voiced@127.0.0.1 PRIVMSG #modes :voiced now");
    irc_send(op, "NAMES #modes");
    const char *names = EXPECT(op, "353", "#modes :");
    CU_ASSERT(strstr(names, "+voiced") != NULL);

    /* -t lets members set the topic. */
    irc_send(op, "MODE #modes -t");
    EXPECT(v, "MODE", "MODE #modes -t");
    irc_send(v, "TOPIC #modes :set by voiced");
    EXPECT(op, "TOPIC", ":voiced!~voiced@127.0.0.1 TOPIC #modes :set by voiced");

    /* +k: a key to join; shown to members only. */
    irc_send(op, "MODE #modes +k s3cret");
    EXPECT(v, "MODE", "MODE #modes +k s3cret");
    irc_send(x, "JOIN #modes");
    EXPECT(x, "475", "visitor #modes :Cannot join channel (+k)");
    irc_send(x, "JOIN #modes wrong");
    EXPECT(x, "475", NULL);
    irc_send(loner, "MODE #modes");
    const char *shown = EXPECT(loner, "324", "loner #modes +km *");
    CU_ASSERT(strstr(shown, "s3cret") == NULL);
    irc_send(v, "MODE #modes");
    EXPECT(v, "324", "voiced #modes +km s3cret");
    irc_send(x, "JOIN #modes s3cret");
    EXPECT(x, "366", NULL);
    EXPECT(op, "JOIN", ":visitor!~visitor@127.0.0.1 JOIN #modes");
    irc_send(op, "MODE #modes +k bad:key");
    EXPECT(op, "525", "#modes :Key is not well-formed");
    irc_send(x, "PART #modes");
    EXPECT(x, "PART", NULL);
    irc_send(op, "MODE #modes -k *");
    EXPECT(op, "MODE", "MODE #modes -k *");

    /* +l: a member limit (2 are in). */
    irc_send(op, "MODE #modes +l 2");
    EXPECT(op, "MODE", "MODE #modes +l 2");
    irc_send(x, "JOIN #modes");
    EXPECT(x, "471", "visitor #modes :Cannot join channel (+l)");
    irc_send(op, "MODE #modes -l");
    EXPECT(op, "MODE", "MODE #modes -l");

    /* +i: by invitation only, and an invitation is good for one JOIN. */
    irc_send(op, "MODE #modes +i");
    EXPECT(op, "MODE", "MODE #modes +i");
    irc_send(x, "JOIN #modes");
    EXPECT(x, "473", "visitor #modes :Cannot join channel (+i)");
    irc_send(v, "INVITE visitor #modes");
    EXPECT(v, "482", "#modes :You're not channel operator");
    irc_send(op, "INVITE visitor #modes");
    EXPECT(op, "341", "modeop visitor #modes");
    EXPECT(x, "INVITE", ":modeop!~modeop@127.0.0.1 INVITE visitor #modes");
    irc_send(x, "JOIN #modes");
    EXPECT(x, "366", NULL);
    irc_send(x, "PART #modes");
    EXPECT(x, "PART", NULL);
    irc_send(x, "JOIN #modes");
    EXPECT(x, "473", NULL);
    irc_send(op, "MODE #modes -i");
    EXPECT(op, "MODE", "MODE #modes -i");

    /* +b: masks, the list, and lifting a ban. */
    irc_send(op, "MODE #modes +b visitor");
    EXPECT(op, "MODE", "MODE #modes +b visitor!*@*");
    irc_send(x, "JOIN #modes");
    EXPECT(x, "474", "visitor #modes :Cannot join channel (+b)");
    irc_send(op, "MODE #modes +b");
    EXPECT(op, "367", "modeop #modes visitor!*@* modeop!~modeop@127.0.0.1 ");
    EXPECT(op, "368", "modeop #modes :End of channel ban list");
    irc_send(op, "MODE #modes -b visitor!*@*");
    EXPECT(op, "MODE", "MODE #modes -b visitor!*@*");
    irc_send(x, "JOIN #modes");
    EXPECT(x, "366", NULL);
    EXPECT(op, "JOIN", ":visitor!~visitor@127.0.0.1 JOIN #modes");

    /* +o makes another operator, whose changes everyone sees. */
    irc_send(op, "MODE #modes +o visitor");
    EXPECT(x, "MODE", ":modeop!~modeop@127.0.0.1 MODE #modes +o visitor");
    irc_send(x, "MODE #modes +t");
    EXPECT(op, "MODE", ":visitor!~visitor@127.0.0.1 MODE #modes +t");
    EXPECT(v, "MODE", ":visitor!~visitor@127.0.0.1 MODE #modes +t");
    irc_send(op, "MODE #modes -o+v visitor visitor");
    EXPECT(x, "MODE", "MODE #modes -o+v visitor visitor");
    irc_send(x, "MODE #modes -t");
    EXPECT(x, "482", NULL);

    irc_send(op, "MODE #modes +x");
    EXPECT(op, "472", "modeop x :is unknown mode char to me");
    irc_send(op, "MODE #nowhere +m");
    EXPECT(op, "403", "#nowhere :No such channel");
    irc_send(op, "MODE #modes +o nobody");
    EXPECT(op, "401", "nobody :No such nick/channel");
    irc_send(op, "MODE #modes +v loner");
    EXPECT(op, "441", "loner #modes :They aren't on that channel");
    irc_send(op, "MODE #modes +o");
    EXPECT(op, "461", "MODE :Not enough parameters");
    irc_send(op, "MODE");
    EXPECT(op, "461", "MODE :Not enough parameters");
    live_stop(s);
}

static void test_kick_and_invite(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *op = live_user(s, "kicker", NULL);
    irc_client *vic = live_user(s, "victim", NULL);
    irc_client *by = live_user(s, "bystander", NULL);
    irc_client *far = live_user(s, "faraway", NULL);
    join_seen(op, "kicker", "#kick", NULL);
    irc_client *p1[] = {op, NULL};
    join_seen(vic, "victim", "#kick", p1);
    irc_client *p2[] = {op, vic, NULL};
    join_seen(by, "bystander", "#kick", p2);

    irc_send(vic, "KICK #kick bystander");
    EXPECT(vic, "482", "victim #kick :You're not channel operator");
    irc_send(far, "KICK #kick victim");
    EXPECT(far, "442", "#kick :You're not on that channel");
    irc_send(op, "KICK #nowhere victim");
    EXPECT(op, "403", "#nowhere :No such channel");
    irc_send(op, "KICK #kick nobody");
    EXPECT(op, "401", "nobody :No such nick/channel");
    irc_send(op, "KICK #kick faraway");
    EXPECT(op, "441", "faraway #kick :They aren't on that channel");
    irc_send(op, "KICK #kick");
    EXPECT(op, "461", "KICK :Not enough parameters");

    irc_send(op, "KICK #kick victim :behave");
    const char *kick = ":kicker!~kicker@127.0.0.1 KICK #kick victim :behave";
    EXPECT(op, "KICK", kick);
    EXPECT(vic, "KICK", kick);
    EXPECT(by, "KICK", kick);
    EXPECT_NONE(far, "KICK", NULL);
    /* The victim is out: cannot speak there (+n), not in NAMES. */
    irc_send(vic, "PRIVMSG #kick :still here?");
    EXPECT(vic, "404", NULL);
    irc_send(by, "NAMES #kick");
    const char *names = EXPECT(by, "353", "#kick :");
    CU_ASSERT(strstr(names, "victim") == NULL);
    /* Without a reason the kicker's nick is the reason. */
    irc_send(op, "KICK #kick bystander");
    EXPECT(by, "KICK", ":kicker!~kicker@127.0.0.1 KICK #kick bystander :kicker");
    /* Several nicks at once (TARGMAX=...KICK:4). */
    join_seen(vic, "victim", "#kick", p1);
    join_seen(by, "bystander", "#kick", p2);
    irc_send(op, "KICK #kick victim,nobody,bystander :all of you");
    EXPECT(op, "KICK", "KICK #kick victim :all of you");
    EXPECT(op, "401", "nobody :No such nick/channel");
    EXPECT(op, "KICK", "KICK #kick bystander :all of you");
    EXPECT(by, "KICK", "KICK #kick bystander :all of you");

    irc_send(op, "INVITE nobody #kick");
    EXPECT(op, "401", "nobody :No such nick/channel");
    irc_send(op, "INVITE victim #nowhere");
    EXPECT(op, "403", "#nowhere :No such channel");
    irc_send(far, "INVITE victim #kick");
    EXPECT(far, "442", "#kick :You're not on that channel");
    irc_send(op, "INVITE kicker #kick");
    EXPECT(op, "443", "kicker kicker #kick :is already on channel");
    irc_send(op, "INVITE victim");
    EXPECT(op, "461", "INVITE :Not enough parameters");
    irc_send(vic, "AWAY :at lunch");
    EXPECT(vic, "306", NULL);
    irc_send(op, "INVITE victim #kick");
    EXPECT(op, "341", "kicker victim #kick");
    EXPECT(op, "301", "kicker victim :at lunch");
    EXPECT(vic, "INVITE", ":kicker!~kicker@127.0.0.1 INVITE victim #kick");
    live_stop(s);
}

static void test_list(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "lister", NULL);
    irc_client *b = live_user(s, "listed", NULL);
    join_seen(a, "lister", "#list-a", NULL);
    irc_send(a, "TOPIC #list-a :first topic");
    EXPECT(a, "TOPIC", NULL);
    irc_client *pa[] = {a, NULL};
    join_seen(b, "listed", "#list-a", pa);
    join_seen(b, "listed", "#list-b", NULL);

    irc_lines seen = {0};
    irc_send(a, "LIST");
    COLLECT(a, "323", "lister :End of /LIST", &seen);
    CU_ASSERT(irc_lines_count(&seen, "321", "lister Channel :Users  Name") == 1);
    CU_ASSERT(irc_lines_count(&seen, "322", "lister #list-a 2 :[+nt] first topic") == 1);
    CU_ASSERT(irc_lines_count(&seen, "322", "lister #list-b 1 :[+nt] ") == 1);
    irc_lines_free(&seen);
    irc_send(a, "LIST #list-b");
    COLLECT(a, "323", NULL, &seen);
    CU_ASSERT(irc_lines_count(&seen, "322", "#list-b") == 1);
    CU_ASSERT(irc_lines_count(&seen, "322", "#list-a") == 0);
    irc_lines_free(&seen);
    irc_send(a, "LIST #list-a other.server");
    EXPECT(a, "402", "lister other.server :No such server");
    live_stop(s);
}

static void test_user_modes(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "umode", NULL);
    irc_client *b = live_user(s, "umode2", NULL);
    irc_send(a, "MODE umode");
    EXPECT(a, "221", "umode +");
    irc_send(a, "MODE umode +i");
    EXPECT(a, "MODE", ":umode MODE umode :+i");
    irc_send(a, "MODE UMODE");
    EXPECT(a, "221", "umode +i");
    irc_send(a, "MODE umode +i");
    EXPECT_NONE(a, "MODE", NULL);
    irc_send(a, "MODE umode +o"); /* only OPER gives +o */
    EXPECT_NONE(a, "MODE", NULL);
    irc_send(a, "MODE umode +z");
    EXPECT(a, "501", "umode :Unknown MODE flag");
    irc_send(a, "MODE umode2 +i");
    EXPECT(a, "502", "umode :Cant change mode for other users");
    irc_send(a, "MODE nobody +i");
    EXPECT(a, "401", "nobody :No such nick/channel");

    /* +i hides a from those who share no channel with it. */
    join_seen(a, "umode", "#inv", NULL);
    irc_lines seen = {0};
    irc_send(b, "NAMES #inv");
    COLLECT(b, "366", NULL, &seen);
    CU_ASSERT(irc_lines_count(&seen, "353", NULL) == 0);
    irc_lines_free(&seen);
    irc_send(b, "WHO umod*");
    COLLECT(b, "315", NULL, &seen);
    CU_ASSERT(irc_lines_count(&seen, "352", " umode H") == 0);
    CU_ASSERT(irc_lines_count(&seen, "352", " umode2 H") == 1);
    irc_lines_free(&seen);
    irc_send(a, "MODE umode -i");
    EXPECT(a, "MODE", ":umode MODE umode :-i");
    irc_send(b, "NAMES #inv");
    EXPECT(b, "353", "umode2 = #inv :@umode");
    live_stop(s);
}

static CU_TestInfo tests[] = {
    {"JOIN PART TOPIC NAMES, success and errors", test_join_part_topic_names},
    {"channel MODE and its effects (+ntmvklib, +o)", test_channel_modes},
    {"KICK and INVITE", test_kick_and_invite},
    {"LIST", test_list},
    {"user MODE and +i", test_user_modes},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    return live_main(argc, argv, "natterd-channel", tests);
}
