/* SPDX-License-Identifier: MIT */
/* HELP and HELPOP: a short text per command, as 704 / 705 / 706. */
#include "casemap.h"
#include "commands.h"
#include "help.h"
#include "numerics.h"
#include "send.h"
#include "server.h"

#include <stdlib.h>
#include <string.h>

typedef struct help_entry {
    const char *subject; /* upper case, sorted for bsearch */
    const char *lines[3];
} help_entry;

static const help_entry help_texts[] = {
    {"ADMIN", {"ADMIN [server]", "Shows who runs this server and how to reach them."}},
    {"AUTHENTICATE", {"AUTHENTICATE mechanism | data", "Logs in with SASL (PLAIN, SCRAM-SHA-256, EXTERNAL); your client does this.", "Request the sasl capability first."}},
    {"AWAY", {"AWAY [:message]", "Marks you away with a message; without one, back again."}},
    {"CAP", {"CAP LS [302] | LIST | REQ :caps | END", "Negotiates IRCv3 capabilities."}},
    {"CHANSERV", {"CHANSERV command [arguments]", "Talks to ChanServ, which keeps registered channels: CHANSERV HELP lists its commands."}},
    {"CHATHISTORY",
     {"CHATHISTORY LATEST|BEFORE|AFTER|AROUND target ref limit, BETWEEN target ref ref limit,",
      "TARGETS timestamp=.. timestamp=.. limit: replays what was said (ref: msgid=id,",
      "timestamp=YYYY-MM-DDThh:mm:ss.sssZ or, for LATEST, *)."}},
    {"CHGHOST",
     {"CHGHOST nick [user@]host", "Changes the user name and host a client is shown with",
      "(IRC operators)."}},
    {"CS", {"CS command [arguments]", "Short for CHANSERV."}},
    {"HELP", {"HELP [subject]", "Shows help on a command; HELPOP is the same."}},
    {"HELPOP", {"HELPOP [subject]", "The same as HELP."}},
    {"INFO", {"INFO [server]", "Shows information about the server software."}},
    {"INVITE",
     {"INVITE nick channel", "Invites a nick to a channel; without parameters, lists",
      "your pending invitations."}},
    {"ISON", {"ISON nick [nick...]", "Tells which of the nicks are online."}},
    {"JOIN",
     {"JOIN channel[,channel...] [key[,key...]]", "Joins channels; JOIN 0 leaves them all."}},
    {"KICK", {"KICK channel nick[,nick...] [:reason]", "Removes members from a channel (ops)."}},
    {"KILL", {"KILL nick :comment", "Disconnects a client (IRC operators)."}},
    {"LINKS", {"LINKS [[server] mask]", "Lists the servers: just this one."}},
    {"LIST",
     {"LIST [channel[,...]|filters]", "Lists channels; filters: >n <n (members), C>n C<n",
      "(created minutes ago), T>n T<n (topic age), masks and !masks."}},
    {"LUSERS", {"LUSERS", "Shows how many clients and channels there are."}},
    {"MARKREAD",
     {"MARKREAD target [timestamp=YYYY-MM-DDThh:mm:ss.sssZ]",
      "Shows or moves your account's read marker on a channel or nick."}},
    {"MODE",
     {"MODE target [modes [params...]]", "Shows or changes user modes (+iwB) or channel",
      "modes (+beIklimnstCTov)."}},
    {"MONITOR", {"MONITOR +|- nick[,nick...] | C | L | S", "Watches nicks come online and go."}},
    {"MOTD", {"MOTD [server]", "Shows the message of the day."}},
    {"NAMES", {"NAMES [channel[,channel...]]", "Lists the members of channels."}},
    {"NICK", {"NICK nick", "Sets or changes your nick."}},
    {"NICKSERV", {"NICKSERV command [arguments]", "Talks to NickServ, the account service: NICKSERV HELP lists its commands."}},
    {"NOTICE", {"NOTICE target[,target...] :text", "Sends a notice; it never gets a reply."}},
    {"NS", {"NS command [arguments]", "Short for NICKSERV."}},
    {"OPER", {"OPER name password", "Makes you an IRC operator."}},
    {"PART", {"PART channel[,channel...] [:reason]", "Leaves channels."}},
    {"PASS", {"PASS password", "Gives the server password before registering."}},
    {"PING", {"PING token", "Asks the server for a PONG."}},
    {"PONG", {"PONG token", "Answers a PING."}},
    {"PRIVMSG",
     {"PRIVMSG target[,target...] :text", "Sends a message to nicks or channels; @#chan and",
      "+#chan reach only ops, or voiced members and ops."}},
    {"QUIT", {"QUIT [:reason]", "Disconnects you."}},
    {"REGISTER", {"REGISTER account|* email|* password", "Creates an account and logs you in (no email is sent).", "* as the account name means your nick."}},
    {"REHASH", {"REHASH", "Reloads the configuration file (IRC operators)."}},
    {"SETNAME", {"SETNAME :realname", "Changes your real name."}},
    {"TAGMSG", {"TAGMSG target[,target...]", "Sends only message tags."}},
    {"TIME", {"TIME [server]", "Shows the server's local time."}},
    {"TOPIC", {"TOPIC channel [:topic]", "Shows or sets a channel's topic."}},
    {"USER", {"USER user mode unused :realname", "Gives your user name and real name."}},
    {"USERHOST", {"USERHOST nick [nick...]", "Shows the user@host of nicks."}},
    {"VERIFY", {"VERIFY account code", "Completes a registration that needs a code; natterd needs none."}},
    {"VERSION", {"VERSION [server]", "Shows the server version and its ISUPPORT tokens."}},
    {"WALLOPS", {"WALLOPS :text", "Sends text to every +w user (IRC operators)."}},
    {"WHO", {"WHO [mask [o][%fields[,token]]]", "Lists users matching a mask or on a channel."}},
    {"WHOIS", {"WHOIS [server] nick[,nick...]", "Shows information about nicks."}},
    {"WHOWAS", {"WHOWAS nick[,nick...] [count]", "Shows who used a nick recently."}},
};

static int compare(const void *key, const void *entry)
{
    return srv_casecmp(key, ((const help_entry *)entry)->subject);
}

const char *const *srv_help_find(const char *subject)
{
    const help_entry *e = bsearch(subject, help_texts, sizeof help_texts / sizeof help_texts[0],
                                  sizeof help_texts[0], compare);
    return e ? e->lines : NULL;
}

void srv_cmd_help(srv_client *c, const srv_msg *msg)
{
    const char *subject = msg->nparams > 0 && msg->params[0][0] ? msg->params[0] : NULL;
    if (!subject) {
        srv_numeric(c, RPL_HELPSTART, "* :** Help System **");
        srv_numeric(c, RPL_HELPTXT, "* :Try /HELP <command> for one of:");
        size_t n;
        const srv_command *table = srv_command_table(&n);
        char line[400];
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
            size_t w = strlen(table[i].name);
            if (len + w + 2 > 60) {
                srv_numeric(c, RPL_HELPTXT, "* :%s", line);
                len = 0;
            }
            memcpy(line + len, table[i].name, w);
            len += w;
            line[len++] = ' ';
            line[len] = '\0';
        }
        if (len)
            srv_numeric(c, RPL_HELPTXT, "* :%s", line);
        srv_numeric(c, RPL_ENDOFHELP, "* :End of /HELP");
        return;
    }
    const char *const *lines = srv_help_find(subject);
    if (!lines) {
        srv_numeric(c, ERR_HELPNOTFOUND, "%.32s :No help available on this topic", subject);
        return;
    }
    const char *name = srv_command_find(subject) ? srv_command_find(subject)->name : subject;
    srv_numeric(c, RPL_HELPSTART, "%s :%s", name, lines[0]);
    for (size_t i = 1; i < 3 && lines[i]; i++)
        srv_numeric(c, RPL_HELPTXT, "%s :%s", name, lines[i]);
    srv_numeric(c, RPL_ENDOFHELP, "%s :End of /HELP", name);
}
