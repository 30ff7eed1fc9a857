/* SPDX-License-Identifier: MIT */
/*
 * IRCv3 labeled-response (implemented in send.c, beside srv_send_buf).
 * While a command from a client with labeled-response and batch carries
 * a label tag, everything sent to that client passes through here: the
 * first reply is held, a second one opens a "labeled-response" batch
 * (the held line and every later one get batch=<id> unless they already
 * belong to a batch of their own), and srv_label_end() finishes with an
 * ACK (no reply), the held line labeled (one reply) or the batch's end.
 * Replies that come after the command returned (a password hashed on
 * the worker, a store answer) are sent unlabeled.
 */
#ifndef NATTERD_LABEL_H
#define NATTERD_LABEL_H

#include "core.h"
#include "irc-parse.h"

/* The longest label accepted, in bytes (unescaped), as the spec says;
 * a longer or empty one is ignored and the command runs unlabeled. */
#define SRV_LABEL_MAX 64

/**
 * Start labeling c's replies if c enabled labeled-response and batch and
 * msg carries a usable label tag.
 * @return 1 when labeling (call srv_label_end() after the command), else 0
 */
int srv_label_begin(srv_client *c, const srv_msg *msg);

/** Finish labeling: ACK, the one reply labeled, or the batch closed. */
void srv_label_end(srv_client *c);

#endif
