/* SPDX-License-Identifier: MIT */
/*
 * Line intake: every line a client sends passes here before the parser.
 * The limits it is held to (the IRCv3 tag section, line_length, no NUL,
 * CR or LF inside), the keep-alive it restarts, and the flood penalty each
 * line and command is charged.  srv_client_line() and
 * srv_client_line_too_long() (natterd-core.h) are implemented here.
 */
#ifndef NATTERD_INTAKE_H
#define NATTERD_INTAKE_H

#include "core.h"

/* IRCv3 message-tags: the tag section may take 8191 bytes including its
 * '@' and the space after it, on top of line_length. */
#define SRV_TAG_SECTION_MAX 8191

/**
 * Add ms (scaled by flood_penalty_percent) to c's flood penalty: past
 * flood_threshold reading pauses, past flood_disconnect c is closed
 * ("Excess Flood").  Operators are exempt when flood_exempt_opers.
 */
void srv_client_penalize(srv_client *c, unsigned ms);

#endif
