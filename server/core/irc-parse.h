/* SPDX-License-Identifier: MIT */
/*
 * Parsing one IRC line (IRCv3 message tags, optional source, command,
 * up to 15 parameters) and the tag escaping both ways.  Parsing works in
 * place on a mutable copy of the line: no allocation per message.
 */
#ifndef NATTERD_IRC_PARSE_H
#define NATTERD_IRC_PARSE_H

#include <stddef.h>

#define SRV_MSG_MAX_PARAMS 15
#define SRV_MSG_MAX_TAGS 32
/* IRCv3: the tag section a client may send, excluding '@' and the space. */
#define SRV_MSG_MAX_CLIENT_TAG_BYTES 4094

/** One tag; value is "" for a tag without a value. */
typedef struct srv_tag {
    const char *key;
    const char *value;
} srv_tag;

/** A parsed line; every pointer points into the line it was parsed from. */
typedef struct srv_msg {
    srv_tag tags[SRV_MSG_MAX_TAGS];
    size_t ntags;
    const char *source; /**< the ":source" prefix, or NULL */
    const char *command;
    const char *params[SRV_MSG_MAX_PARAMS];
    size_t nparams;
} srv_msg;

/**
 * Parse line (NUL-terminated, no CRLF) in place into msg.  Tag values are
 * unescaped; tags past SRV_MSG_MAX_TAGS are dropped; a 15th parameter
 * swallows the rest of the line, as RFC 1459 says.
 * @return 0, or -1 for a line with no command (blank, or tags/source only)
 */
int srv_msg_parse(char *line, srv_msg *msg);

/** Undo IRCv3 tag-value escaping in place (\: \s \\ \r \n). */
void srv_tag_unescape(char *value);

/**
 * Escape value for a tag into dst (size bytes, NUL-terminated).
 * @return the escaped length, or (size_t)-1 when it does not fit
 */
size_t srv_tag_escape(char *dst, size_t size, const char *value);

/**
 * The client-only tags of msg (keys starting with '+'), re-escaped as
 * "key=value;key2" into dst for relaying to message-tags clients.  Tags
 * that do not fit are left out whole.
 * @return the length written (0 when there are none)
 */
size_t srv_msg_client_tags(const srv_msg *msg, char *dst, size_t size);

#endif
