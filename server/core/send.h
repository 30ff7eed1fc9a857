/* SPDX-License-Identifier: MIT */
/*
 * Everything the core sends goes through here.  Replies to one client are
 * formatted into one nt_buf for that client.  A message to many (a channel
 * PRIVMSG, a JOIN, a QUIT) uses a fan-out: the text is formatted once and
 * one nt_buf is built per capability variant (plain, server-time tag,
 * client tags, both) on first need, then the same buffer is handed to every
 * recipient of that variant.  No per-recipient formatting.
 */
#ifndef NATTERD_SEND_H
#define NATTERD_SEND_H

#include "attributes.h"
#include "core.h"

#include <stdarg.h>

/** Hand b (borrowed, see transport.h) to c's transport unless c is closed. */
void srv_send_buf(srv_client *c, nt_buf *b);

/** Format one line (CRLF appended) and send it to c. */
void srv_sendf(srv_client *c, const char *fmt, ...) SRV_PRINTF(2, 3);

/** ":server NNN nick " + formatted text: a numeric reply to c. */
void srv_numeric(srv_client *c, int numeric, const char *fmt, ...) SRV_PRINTF(3, 4);

/** The nick to address c by in numerics ("*" before NICK). */
const char *srv_target_nick(const srv_client *c);

/** A message being delivered to many clients. */
typedef struct srv_fanout {
    char *body; /* the line without tags or CRLF */
    size_t body_len;
    const char *client_tags; /* "+a=b;+c", or NULL */
    const char *account;     /* the sender's account (account-tag), or NULL */
    int64_t wall_us;         /* for the server-time tag */
    int64_t msgid;           /* history.h; 0: none */
    nt_buf *variants[8];     /* bit 0: time tag, bit 1: msgid and client tags, bit 2: account */
} srv_fanout;

/**
 * Start a fan-out of one formatted line.  client_tags (may be NULL) is
 * relayed to message-tags clients and must outlive the fan-out.
 * @return 0, or -1 when out of memory (then nothing is sent)
 */
int srv_fanout_init(srv_fanout *f, srv_server *s, const char *client_tags, const char *fmt, ...)
    SRV_PRINTF(4, 5);

/** Tag the line with the sender's account for account-tag clients
 *  (account must outlive the fan-out). */
void srv_fanout_set_account(srv_fanout *f, const char *account);

/**
 * Give the line a message ID (history.h), sent as the msgid tag to
 * message-tags clients; the server-time tag then shows the ID's time, so
 * a message relayed live and the same one replayed from history match.
 */
void srv_fanout_set_msgid(srv_fanout *f, int64_t msgid);

/** Deliver the fan-out's line to c in the variant c's capabilities want. */
void srv_fanout_send(srv_fanout *f, srv_client *c);

/**
 * Send c one line replayed from history (":source COMMAND params"), with
 * the tags a live one would have had for c's capabilities (time from the
 * msgid, msgid, account, client tags) and batch=<batch> when batch is
 * not NULL or "".  account and client_tags may be NULL or "".
 */
void srv_send_replayed(srv_client *c, const char *batch, int64_t msgid, const char *account,
                       const char *client_tags, const char *line);

/** Drop the fan-out's references and text. */
void srv_fanout_done(srv_fanout *f);

/**
 * Deliver f to every member of every channel c is in, each once, except
 * c itself; when cap is non-zero only to clients with that capability.
 * The de-duplication uses a mark per client, not a set: O(sum of members).
 * With a cap, watchers of c's nick with extended-monitor and that cap get
 * it too (monitor.h), still once each.
 */
void srv_fanout_to_peers(srv_fanout *f, srv_client *c, unsigned cap);

/** Deliver f to every member of ch except skip (which may be NULL). */
void srv_fanout_to_channel(srv_fanout *f, srv_channel *ch, srv_client *skip);

/** A batch (IRCv3 batch) being sent to one client. */
typedef struct srv_batch {
    char id[16]; /**< "" when the client has no batch capability */
} srv_batch;

/**
 * Open a batch for c: ":server BATCH +id <type and parameters>", unless c
 * did not enable batch (then b->id is "" and srv_batch_end() sends
 * nothing).  Lines inside carry "batch=<b->id>".
 */
void srv_batch_begin(srv_client *c, srv_batch *b, const char *fmt, ...) SRV_PRINTF(3, 4);

/** Close a batch opened by srv_batch_begin(). */
void srv_batch_end(srv_client *c, const srv_batch *b);

/**
 * Words (names, channels) packed into as few numeric replies as fit:
 * ":server <numeric> <nick> <head> :word word ...".  Start with
 * srv_words_init(), add words, and srv_words_flush() at the end.
 */
typedef struct srv_words {
    srv_client *client;
    int numeric;
    const char *head;
    char line[400];
    size_t n;
} srv_words;

/** Start packing words for a numeric reply to c with the given head. */
void srv_words_init(srv_words *w, srv_client *c, int numeric, const char *head);

/** Add one word of len bytes; sends a full line first when it would not fit. */
void srv_words_add(srv_words *w, const char *word, size_t len);

/** Send what is pending (nothing when no word was added since). */
void srv_words_flush(srv_words *w);

#endif
