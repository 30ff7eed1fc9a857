/* SPDX-License-Identifier: MIT */
/*
 * Cluster mode's core: three in-memory servers joined by a fake broker
 * that does what the Redis link does (ordered events to every other node,
 * atomic nick claims that a dead node's clients lose), with the fake
 * transport's clients spread over them.
 */
#include "client.h"
#include "cluster.h"
#include "config.h"
#include "fake-store.h"
#include "fake-transport.h"
#include "helpers.h"
#include "natterd-core.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NODES 3

typedef struct broker_event {
    int from;
    char *text;
    struct broker_event *next;
} broker_event;

typedef struct claim {
    char key[64];
    char owner[128];
} claim;

typedef struct pending_answer {
    srv_cluster_claim_fn done;
    void *ctx;
    char key[64];
    char owner[128];
    struct pending_answer *next;
} pending_answer;

static srv_server *node[NODES];
static int node_index[NODES] = {0, 1, 2};
static int partitioned[NODES]; /* its events are dropped, it hears nothing */
static broker_event *queue_head, **queue_tail = &queue_head;
static claim claims[256];
static size_t nclaims;
static pending_answer *answers;
static int hold_answers; /* answer claims only at pump(), to race them */

static size_t published; /* events the nodes published */

static void link_publish(void *ctx, const char *event, size_t len)
{
    int from = *(int *)ctx;
    published++;
    if (partitioned[from])
        return;
    broker_event *e = calloc(1, sizeof *e);
    e->from = from;
    e->text = malloc(len + 1);
    memcpy(e->text, event, len);
    e->text[len] = '\0';
    *queue_tail = e;
    queue_tail = &e->next;
}

static int node_alive(const char *owner)
{
    /* owner: "name~incarnation serial" */
    for (int i = 0; i < NODES; i++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "n%d~", i);
        if (strncmp(owner, prefix, strlen(prefix)) == 0)
            return !partitioned[i];
    }
    return 0;
}

static int decide(const char *key, const char *owner)
{
    for (size_t i = 0; i < nclaims; i++) {
        if (strcmp(claims[i].key, key) != 0)
            continue;
        if (strcmp(claims[i].owner, owner) == 0 || !node_alive(claims[i].owner)) {
            snprintf(claims[i].owner, sizeof claims[i].owner, "%s", owner);
            return SRV_CLUSTER_CLAIMED;
        }
        return SRV_CLUSTER_TAKEN;
    }
    snprintf(claims[nclaims].key, sizeof claims[0].key, "%s", key);
    snprintf(claims[nclaims].owner, sizeof claims[0].owner, "%s", owner);
    nclaims++;
    return SRV_CLUSTER_CLAIMED;
}

static void link_claim(void *ctx, const char *key, const char *owner, srv_cluster_claim_fn done,
                       void *done_ctx)
{
    int from = *(int *)ctx;
    if (partitioned[from]) {
        done(done_ctx, SRV_CLUSTER_UNAVAILABLE);
        return;
    }
    if (!hold_answers) {
        done(done_ctx, decide(key, owner));
        return;
    }
    pending_answer *a = calloc(1, sizeof *a);
    a->done = done;
    a->ctx = done_ctx;
    snprintf(a->key, sizeof a->key, "%s", key);
    snprintf(a->owner, sizeof a->owner, "%s", owner);
    a->next = answers;
    answers = a;
}

static void link_release(void *ctx, const char *key, const char *owner)
{
    (void)ctx;
    for (size_t i = 0; i < nclaims; i++) {
        if (strcmp(claims[i].key, key) == 0 && strcmp(claims[i].owner, owner) == 0) {
            claims[i] = claims[--nclaims];
            return;
        }
    }
}

static const srv_cluster_link fake_link = {link_publish, link_claim, link_release};

/* Deliver every queued event (and claim answer) until nothing moves. */
static void pump(void)
{
    for (int round = 0; round < 100; round++) {
        int moved = 0;
        while (answers) {
            pending_answer *a = answers;
            answers = a->next;
            a->done(a->ctx, decide(a->key, a->owner));
            free(a);
            moved = 1;
        }
        while (queue_head) {
            broker_event *e = queue_head;
            queue_head = e->next;
            if (!queue_head)
                queue_tail = &queue_head;
            if (getenv("CLUSTER_TRACE"))
                printf("\n  [%d] %s", e->from, e->text);
            /* As Redis pub/sub does, the publisher hears its own events too. */
            for (int i = 0; i < NODES; i++) {
                if (!partitioned[i])
                    srv_cluster_receive(node[i], e->text, strlen(e->text));
            }
            free(e->text);
            free(e);
            moved = 1;
        }
        if (!moved)
            return;
    }
}

static void tick_all(void)
{
    for (int i = 0; i < NODES; i++)
        srv_server_tick(node[i], fake_now_ms);
    pump();
}

static int with_stores; /* each node gets an SQLite store of its own */

/* Time passes as on a real network: every node ticks (heartbeats)
 * every 250 ms and hears the others in between. */
static void advance(uint64_t ms)
{
    for (uint64_t t = 0; t < ms; t += 250) {
        fake_now_ms += 250;
        tick_all();
    }
}

static void start_nodes(void)
{
    static int starts;
    starts++;
    nclaims = 0;
    hold_answers = 0;
    for (int i = 0; i < NODES; i++) {
        char name[32];
        snprintf(name, sizeof name, "irc%d.natter.test", i);
        if (with_stores) {
            char conf[96];
            snprintf(conf, sizeof conf, "[server]\nname = %s\n", name);
            node[i] = fake_server_with_store(":memory:", conf);
        } else {
            srv_config cfg;
            fake_config(&cfg);
            free(cfg.server_name);
            cfg.server_name = srv_config_strdup(name);
            node[i] = fake_server(&cfg);
            srv_config_free(&cfg);
        }
        partitioned[i] = 0;
        char nname[8], inc[16];
        snprintf(nname, sizeof nname, "n%d", i);
        snprintf(inc, sizeof inc, "%d%d", starts, i);
        CU_ASSERT_FATAL(srv_cluster_start(node[i], nname, inc, &fake_link, &node_index[i]) == 0);
    }
    for (int i = 0; i < NODES; i++)
        srv_cluster_set_up(node[i], 1);
    pump();
}

static void stop_nodes(void)
{
    pump();
    while (answers) {
        pending_answer *a = answers;
        answers = a->next;
        a->done(a->ctx, SRV_CLUSTER_UNAVAILABLE);
        free(a);
    }
    for (int i = 0; i < NODES; i++)
        fake_server_free(node[i]);
    /* what the servers said while going is for nobody */
    while (queue_head) {
        broker_event *e = queue_head;
        queue_head = e->next;
        free(e->text);
        free(e);
    }
    queue_tail = &queue_head;
}

static fake_conn *join(int n, const char *nick, const char *channel)
{
    fake_conn *c = fake_register(node[n], nick);
    pump();
    if (channel) {
        fake_send(c, "JOIN %s", channel);
        pump();
    }
    return c;
}

static void test_chat_across_nodes(void)
{
    start_nodes();
    fake_conn *alice = join(0, "alice", "#lobby");
    fake_conn *bob = join(1, "bob", "#lobby");
    fake_conn *carol = join(2, "carol", "#lobby");
    EXPECT_LINE(alice, ":bob!~bob@");
    EXPECT_LINE(alice, "JOIN #lobby");
    fake_clear(alice);
    fake_clear(bob);
    fake_clear(carol);
    fake_send(alice, "PRIVMSG #lobby :hello from node 0");
    pump();
    EXPECT_LINE(bob, ":alice!~alice@127.0.0.1 PRIVMSG #lobby :hello from node 0");
    EXPECT_LINE(carol, ":alice!~alice@127.0.0.1 PRIVMSG #lobby :hello from node 0");
    CU_ASSERT_EQUAL(fake_count(bob, "hello from node 0"), 1);
    EXPECT_NO_LINE(alice, "hello from node 0");
    /* a private message to a client of another node */
    fake_send(carol, "PRIVMSG alice :psst");
    pump();
    EXPECT_LINE(alice, ":carol!~carol@127.0.0.1 PRIVMSG alice :psst");
    EXPECT_NO_LINE(bob, "psst");
    /* what every node answers about the others' clients */
    fake_clear(bob);
    fake_send(bob, "NAMES #lobby");
    EXPECT_LINE(bob, "353 bob = #lobby :");
    const char *names = fake_find(bob, " 353 ");
    CU_ASSERT(names && strstr(names, "@alice") && strstr(names, "bob") && strstr(names, "carol"));
    fake_send(bob, "WHOIS carol");
    EXPECT_LINE(bob, "311 bob carol ~carol 127.0.0.1 * :");
    /* a channel whose members are all on one node: nothing crosses */
    fake_conn *dave = join(0, "dave", "#here");
    fake_send(alice, "JOIN #here");
    pump();
    size_t before = published;
    fake_send(alice, "PRIVMSG #here :just us");
    pump();
    EXPECT_LINE(dave, "PRIVMSG #here :just us");
    CU_ASSERT_EQUAL(published, before);
    stop_nodes();
}

static void test_modes_topic_kick(void)
{
    start_nodes();
    fake_conn *alice = join(0, "alice", "#ops");
    fake_conn *bob = join(1, "bob", "#ops");
    fake_conn *carol = join(2, "carol", "#ops");
    fake_clear(bob);
    fake_clear(carol);
    fake_send(alice, "MODE #ops +mo bob");
    pump();
    EXPECT_LINE(carol, ":alice!~alice@127.0.0.1 MODE #ops +mo bob");
    fake_send(carol, "PRIVMSG #ops :muted?");
    pump();
    EXPECT_NUMERIC(carol, 404);
    EXPECT_NO_LINE(alice, "muted?");
    /* bob is an op now on every node: his TOPIC and KICK pass everywhere */
    fake_send(bob, "TOPIC #ops :all nodes agree");
    pump();
    EXPECT_LINE(alice, "TOPIC #ops :all nodes agree");
    EXPECT_LINE(carol, "TOPIC #ops :all nodes agree");
    fake_send(bob, "KICK #ops carol :bye");
    pump();
    EXPECT_LINE(carol, ":bob!~bob@127.0.0.1 KICK #ops carol :bye");
    EXPECT_LINE(alice, ":bob!~bob@127.0.0.1 KICK #ops carol :bye");
    fake_clear(alice);
    fake_send(alice, "NAMES #ops");
    const char *names = fake_find(alice, " 353 ");
    CU_ASSERT(names && !strstr(names, "carol"));
    stop_nodes();
}

/* What MODE #chan answers on node n (324). */
static void channel_modes_on(int n, const char *channel, char *out, size_t size)
{
    char nick[16];
    snprintf(nick, sizeof nick, "peek%d", n);
    fake_conn *peek = fake_register(node[n], nick);
    fake_send(peek, "MODE %s", channel);
    const char *line = fake_find(peek, " 324 ");
    snprintf(out, size, "%s", line ? strstr(line, channel) : "(none)");
    fake_send(peek, "QUIT");
    pump();
}

static void test_concurrent_changes_converge(void)
{
    start_nodes();
    fake_conn *alice = join(0, "alice", "#race");
    fake_conn *bob = join(1, "bob", "#race");
    fake_conn *carol = join(2, "carol", "#race");
    fake_send(alice, "MODE #race +o bob");
    pump();
    /* both ops change the topic, and alice takes bob's op while he sets
     * +m: published before either came back, as on a real network */
    fake_clear(alice);
    fake_clear(bob);
    fake_clear(carol);
    fake_send(alice, "TOPIC #race :alice's topic");
    fake_send(bob, "TOPIC #race :bob's topic");
    fake_send(alice, "MODE #race -o bob");
    fake_send(bob, "MODE #race +m");
    pump();
    /* Redis ordered them: alice's topic, bob's topic, the deop, then
     * bob's +m refused, on every node alike */
    for (int i = 0; i < NODES; i++) {
        fake_conn *who = i == 0 ? alice : i == 1 ? bob : carol;
        long first = fake_index(who, "TOPIC #race :alice's topic");
        long second = fake_index(who, "TOPIC #race :bob's topic");
        CU_ASSERT(first >= 0 && second > first);
        EXPECT_LINE(who, "MODE #race -o bob");
        EXPECT_NO_LINE(who, "MODE #race +m");
    }
    EXPECT_NUMERIC(bob, 482);
    char m0[64], m1[64], m2[64];
    channel_modes_on(0, "#race", m0, sizeof m0);
    channel_modes_on(1, "#race", m1, sizeof m1);
    channel_modes_on(2, "#race", m2, sizeof m2);
    CU_ASSERT_STRING_EQUAL(m0, m1);
    CU_ASSERT_STRING_EQUAL(m1, m2);
    stop_nodes();
}

static void test_nick_race(void)
{
    start_nodes();
    hold_answers = 1;
    fake_conn *a = fake_connect(node[0], "127.0.0.1");
    fake_conn *b = fake_connect(node[1], "127.0.0.1");
    fake_send(a, "NICK dup");
    fake_send(a, "USER a 0 * :a");
    fake_send(b, "NICK dup");
    fake_send(b, "USER b 0 * :b");
    CU_ASSERT_EQUAL(fake_count(a, " 001 ") + fake_count(b, " 001 "), 0);
    pump();
    int a_won = fake_has_numeric(a, 1), b_won = fake_has_numeric(b, 1);
    CU_ASSERT_EQUAL(a_won + b_won, 1);
    CU_ASSERT(fake_has_numeric(a_won ? b : a, 433));
    EXPECT_LINE(a_won ? b : a, " 433 * dup :"); /* still registering: no nick of its own */
    /* the loser picks another nick and gets in */
    fake_send(a_won ? b : a, "NICK dup2");
    pump();
    CU_ASSERT(fake_has_numeric(a_won ? b : a, 1));
    /* a rename races too, and the old nick is free again afterwards */
    fake_conn *winner = a_won ? a : b;
    fake_send(winner, "NICK fresh");
    pump();
    EXPECT_LINE(winner, "NICK :fresh");
    hold_answers = 0;
    fake_conn *c = fake_register(node[2], "dup");
    pump();
    CU_ASSERT(c->client != NULL);
    stop_nodes();
}

static void test_channel_creation_race(void)
{
    start_nodes();
    fake_conn *a = join(0, "alpha", NULL);
    fake_conn *b = join(1, "beta", NULL);
    size_t claims_before = nclaims;
    hold_answers = 1;
    fake_send(a, "JOIN #new");
    fake_send(b, "JOIN #new");
    pump();
    hold_answers = 0;
    /* exactly one of the two created it: one @, the same on every node */
    for (int i = 0; i < NODES; i++) {
        fake_conn *look = fake_register(node[i], i == 0 ? "look0" : i == 1 ? "look1" : "look2");
        pump();
        fake_send(look, "NAMES #new");
        const char *names = fake_find(look, " 353 ");
        CU_ASSERT_FATAL(names != NULL);
        int alpha_op = strstr(names, "@alpha") != NULL, beta_op = strstr(names, "@beta") != NULL;
        CU_ASSERT(strstr(names, "alpha") && strstr(names, "beta"));
        CU_ASSERT_EQUAL(alpha_op + beta_op, 1);
        if (alpha_op + beta_op != 1)
            printf("\n  node %d: %s\n", i, names);
    }
    /* the claim goes back when the channel is gone everywhere */
    fake_send(a, "PART #new");
    fake_send(b, "PART #new");
    pump();
    CU_ASSERT_EQUAL(nclaims, claims_before + 3); /* the lookers' nicks */
    fake_conn *c = join(2, "gamma", "#new");
    EXPECT_LINE(c, "353 gamma = #new :@gamma");
    stop_nodes();
}

static void test_quit_and_node_death(void)
{
    start_nodes();
    fake_conn *alice = join(0, "alice", "#x");
    fake_conn *bob = join(1, "bob", "#x");
    (void)join(2, "carol", "#x");
    fake_clear(alice);
    fake_send(bob, "QUIT :later");
    pump();
    EXPECT_LINE(alice, ":bob!~bob@127.0.0.1 QUIT :Quit: later");
    /* an operator's KILL of a client of another node: that node ends it */
    fake_conn *victim = join(1, "victim", "#x");
    srv_client_set_oper(alice->client, 1); /* as OPER would */
    fake_clear(alice);
    fake_send(alice, "KILL victim :enough");
    pump();
    CU_ASSERT(victim->closed);
    EXPECT_LINE(alice, ":victim!~victim@127.0.0.1 QUIT :Killed (alice (enough))");
    /* node 2 stops talking (killed): its clients split off after the deadline */
    fake_clear(alice);
    partitioned[2] = 1;
    advance(3000);
    EXPECT_NO_LINE(alice, "QUIT");
    advance(3000);
    EXPECT_LINE(alice, ":carol!~carol@127.0.0.1 QUIT :irc0.natter.test n2");
    /* its nick goes to whoever claims it next */
    fake_conn *again = fake_register(node[1], "carol");
    CU_ASSERT(again->client != NULL);
    stop_nodes();
}

static void test_link_down_and_back(void)
{
    start_nodes();
    fake_conn *alice = join(0, "alice", "#y");
    fake_conn *bob = join(1, "bob", "#y");
    fake_clear(alice);
    srv_cluster_set_up(node[0], 0);
    EXPECT_LINE(alice, ":bob!~bob@127.0.0.1 QUIT :irc0.natter.test n1");
    /* local chat goes on; new nicks wait for the network */
    fake_conn *newcomer = fake_connect(node[0], "127.0.0.1");
    fake_send(newcomer, "NICK newbie");
    fake_send(newcomer, "USER n 0 * :n");
    EXPECT_LINE(newcomer, " 437 * newbie :");
    CU_ASSERT(!fake_has_numeric(newcomer, 1));
    /* back: the nodes burst, bob is in #y again for alice */
    fake_clear(alice);
    srv_cluster_set_up(node[0], 1);
    pump();
    EXPECT_LINE(alice, ":bob!~bob@127.0.0.1 JOIN #y");
    fake_send(bob, "PRIVMSG #y :back");
    pump();
    EXPECT_LINE(alice, "PRIVMSG #y :back");
    stop_nodes();
}

static void test_accounts_across_nodes(void)
{
    with_stores = 1;
    start_nodes();
    fake_conn *alice = join(0, "alice", "#acct");
    fake_conn *bob = join(1, "bob", "#acct");
    fake_send(bob, "CAP REQ :account-notify extended-join");
    pump();
    fake_send(alice, "REGISTER * * correct-horse");
    pump();
    EXPECT_LINE(alice, "REGISTER SUCCESS alice");
    /* the login is seen on the other nodes: account-notify, WHOIS 330 */
    EXPECT_LINE(bob, ":alice!~alice@127.0.0.1 ACCOUNT alice");
    fake_clear(bob);
    fake_send(bob, "WHOIS alice");
    EXPECT_LINE(bob, "330 bob alice alice :is logged in as");
    /* the account itself is known on every node: log in to it elsewhere */
    fake_conn *again = join(2, "alice2", NULL);
    fake_send(again, "NS IDENTIFY alice correct-horse");
    pump();
    EXPECT_NUMERIC(again, 900);
    /* a read marker moved on one node reaches the account's clients on another */
    fake_send(again, "CAP REQ :draft/read-marker");
    fake_send(again, "JOIN #acct");
    pump();
    fake_clear(again);
    fake_send(alice, "MARKREAD #acct timestamp=2026-12-06T10:00:00.000Z");
    pump();
    EXPECT_LINE(again, "MARKREAD #acct timestamp=2026-12-06T10:00:00.000Z");
    /* a channel registered on one node is registered on all */
    fake_send(alice, "PRIVMSG ChanServ :REGISTER #acct");
    pump();
    EXPECT_LINE(alice, "registered");
    fake_clear(bob);
    fake_send(bob, "PRIVMSG ChanServ :INFO #acct");
    EXPECT_LINE(bob, "Founder    : alice");
    fake_send(alice, "QUIT");
    pump();
    stop_nodes();
    with_stores = 0;
}

/* A node whose events stopped for longer than node_timeout (Redis
 * stalled for it) and then flow again: the others ask for its state. */
static void test_silent_node_heard_again(void)
{
    start_nodes();
    fake_conn *alice = join(0, "alice", "#s");
    (void)join(2, "dave", "#s");
    partitioned[2] = 1;
    advance(6000);
    EXPECT_LINE(alice, ":dave!~dave@127.0.0.1 QUIT :irc0.natter.test n2");
    fake_clear(alice);
    partitioned[2] = 0;
    advance(2000); /* heartbeats: each side hears the other again and asks */
    EXPECT_LINE(alice, ":dave!~dave@127.0.0.1 JOIN #s");
    stop_nodes();
}

static void renew(void *ctx, const char *key, const char *owner)
{
    srv_server *s = ctx;
    if (decide(key, owner) == SRV_CLUSTER_TAKEN)
        srv_cluster_claim_lost(s, key, owner);
}

/* A node cut off from Redis comes back to find one of its clients' nicks
 * taken meanwhile: that client is disconnected, the others return. */
static void test_nick_taken_while_cut_off(void)
{
    start_nodes();
    fake_conn *alice = join(0, "alice", "#c");
    fake_conn *carol = join(2, "carol", "#c");
    (void)join(2, "dave", "#c");
    partitioned[2] = 1;
    srv_cluster_set_up(node[2], 0);
    advance(6000);
    EXPECT_LINE(alice, ":carol!~carol@127.0.0.1 QUIT :irc0.natter.test n2");
    fake_conn *usurper = fake_register(node[1], "carol");
    pump();
    CU_ASSERT(usurper->client != NULL);
    /* the link comes back: renewing the claims, then up */
    partitioned[2] = 0;
    srv_cluster_each_claim(node[2], renew, node[2]);
    CU_ASSERT(carol->closed);
    CU_ASSERT(strstr(carol->close_reason, "Nick collision") != NULL);
    fake_clear(alice);
    srv_cluster_set_up(node[2], 1);
    pump();
    EXPECT_LINE(alice, ":dave!~dave@127.0.0.1 JOIN #c");
    fake_clear(alice);
    fake_send(alice, "WHOIS carol");
    EXPECT_LINE(alice, "311 alice carol ~carol");
    CU_ASSERT_EQUAL(fake_count(alice, " 311 "), 1);
    stop_nodes();
}

static void test_user_modes_wallops_case(void)
{
    start_nodes();
    fake_conn *alice = join(0, "alice", "#x");
    fake_conn *bob = join(1, "bob", "#x");
    fake_send(bob, "MODE bob +w");
    fake_send(alice, "MODE alice +i");
    srv_client_set_oper(alice->client, 1); /* as OPER would */
    pump();
    fake_clear(bob);
    fake_send(bob, "WHOIS alice");
    EXPECT_NUMERIC(bob, 313); /* is an IRC operator, seen from node 1 */
    fake_send(bob, "LUSERS");
    EXPECT_LINE(bob, ":There are 1 users and 1 invisible");
    EXPECT_LINE(bob, "252 bob 1 :operator(s) online");
    fake_send(alice, "WALLOPS :hear ye");
    pump();
    EXPECT_LINE(bob, ":alice!~alice@127.0.0.1 WALLOPS :hear ye");
    /* a change of case is a rename the others see */
    fake_send(alice, "NICK ALICE");
    pump();
    EXPECT_LINE(bob, "NICK :ALICE");
    stop_nodes();
}

static void test_pipelined_registration_and_labels(void)
{
    start_nodes();
    hold_answers = 1;
    fake_conn *c = fake_connect(node[0], "127.0.0.1");
    fake_send(c, "CAP LS 302");
    fake_send(c, "CAP REQ :labeled-response batch");
    fake_send(c, "CAP END");
    fake_send(c, "NICK quick");
    fake_send(c, "USER q 0 * :q");
    fake_send(c, "JOIN #pipe");
    fake_send(c, "PRIVMSG #pipe :first words");
    pump();
    EXPECT_NUMERIC(c, 1);
    EXPECT_NO_LINE(c, " 451 ");
    EXPECT_LINE(c, ":quick!~q@127.0.0.1 JOIN #pipe");
    CU_ASSERT(fake_index(c, " 001 ") < fake_index(c, "JOIN #pipe"));
    /* a labeled JOIN of a new channel and a labeled MODE, both answered
     * when the network had its say, still labeled */
    fake_clear(c);
    fake_send(c, "@label=j1 JOIN #labeled");
    pump();
    EXPECT_LINE(c, "@label=j1 ");
    EXPECT_LINE(c, "BATCH +");
    EXPECT_NO_LINE(c, " ACK");
    fake_clear(c);
    fake_send(c, "@label=m1 MODE #labeled +m");
    pump();
    EXPECT_NO_LINE(c, " ACK");
    EXPECT_LINE(c, "@label=m1 :quick!~q@127.0.0.1 MODE #labeled +m");
    /* one with nothing to say is acknowledged, once it ran */
    fake_clear(c);
    fake_send(c, "@label=m2 MODE #labeled +m");
    pump();
    EXPECT_LINE(c, "@label=m2 :irc0.natter.test ACK");
    stop_nodes();
}

static const CU_TestInfo tests[] = {
    {"chat, NAMES and WHOIS across nodes", test_chat_across_nodes},
    {"modes, topic and kicks across nodes", test_modes_topic_kick},
    {"two nodes' channel changes at once end alike everywhere", test_concurrent_changes_converge},
    {"two nodes race for one nick", test_nick_race},
    {"two nodes create one channel at once: one @", test_channel_creation_race},
    {"quit, and a node that dies", test_quit_and_node_death},
    {"the link lost and regained", test_link_down_and_back},
    {"a silent node heard again sends its state", test_silent_node_heard_again},
    {"a nick taken while a node was cut off", test_nick_taken_while_cut_off},
    {"accounts and logins across nodes", test_accounts_across_nodes},
    {"user modes, WALLOPS and a change of case", test_user_modes_wallops_case},
    {"pipelined registration, labels on deferred commands", test_pipelined_registration_and_labels},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("cluster", tests);
}
