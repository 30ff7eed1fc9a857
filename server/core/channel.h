/* SPDX-License-Identifier: MIT */
/*
 * Channels: creation and destruction, membership, bans, topic and the
 * checks JOIN and PRIVMSG make.  A channel lives exactly as long as it has
 * members.
 */
#ifndef NATTERD_CHANNEL_H
#define NATTERD_CHANNEL_H

#include "core.h"

/** The channel named name (any case), or NULL. */
srv_channel *srv_channel_find(srv_server *s, const char *name);

/**
 * A new empty channel named name (already validated) with the default
 * modes +nt, registered in the server's table.  NULL when out of memory.
 */
srv_channel *srv_channel_create(srv_server *s, const char *name);

/**
 * Add c to ch with the member modes given (SRV_MEMBER_*).
 * @return the membership, or NULL when out of memory
 */
srv_membership *srv_channel_add(srv_channel *ch, srv_client *c, unsigned modes);

/** Remove a membership from both sides; an emptied channel is destroyed
 *  unless it is registered. */
void srv_channel_remove(srv_membership *m);

/** Destroy ch if it is empty and not registered (after its registration ended). */
void srv_channel_release(srv_channel *ch);

/** The SRV_CHMODE_* bit of a flag mode letter (i m n s t C T R), 0 for others. */
unsigned srv_chmode_bit(char letter);

/** The flag mode letters of modes (SRV_CHMODE_*), in the order MODE shows them. */
void srv_chmode_letters(unsigned modes, char *dst, size_t size);

/** c's membership of ch, or NULL.  O(channels of c), which is bounded. */
srv_membership *srv_channel_member(const srv_channel *ch, const srv_client *c);

/**
 * Does a plain ban of ch match c's nick!user@host, with no plain +e
 * exempting c?  Mutes ("m:mask") never count here.
 */
int srv_channel_banned(const srv_channel *ch, const srv_client *c);

/** Does a mute ("+b m:mask") match c, with no +e (plain or "m:") exempting c? */
int srv_channel_muted(const srv_channel *ch, const srv_client *c);

/** Does an invite exception (+I) of ch match c? */
int srv_channel_invex(const srv_channel *ch, const srv_client *c);

/** One of ch's mask lists and its length. */
const srv_ban *srv_channel_list(const srv_channel *ch, srv_list_kind kind, size_t *count);

/**
 * Add a mask (already normalised) to one of ch's lists; each list holds up
 * to max_bans_per_channel entries on its own.
 * @return 1 added, 0 already present, -1 list full or out of memory
 */
int srv_channel_list_add(srv_channel *ch, srv_list_kind kind, const char *mask, const char *setter,
                         int64_t when_s);

/** Remove a mask from one of ch's lists; @return 1 when it was there. */
int srv_channel_list_del(srv_channel *ch, srv_list_kind kind, const char *mask);

/**
 * May c speak in ch (+n, +m, bans, mutes)?  @return 0, or ERR_CANNOTSENDTOCHAN
 */
int srv_channel_can_send(const srv_channel *ch, const srv_client *c);

/**
 * Add a ban (mask already normalised).
 * @return 1 added, 0 already present, -1 list full or out of memory
 */
int srv_channel_add_ban(srv_channel *ch, const char *mask, const char *setter, int64_t when_s);

/** Remove a ban; @return 1 when it was there. */
int srv_channel_del_ban(srv_channel *ch, const char *mask);

/** Replace the topic (NULL or "" clears it), truncated to the TOPICLEN. */
void srv_channel_set_topic(srv_channel *ch, const char *topic, const char *setter, int64_t when_s);

/**
 * Does ch show up for c in LIST, NAMES and WHOIS?  A secret (+s) channel
 * does only for its members.
 */
int srv_channel_visible(const srv_channel *ch, const srv_client *c);

/** "+ntk key" style mode string; the key shown only when show_key. */
void srv_channel_modes(const srv_channel *ch, int show_key, char *dst, size_t size);

/**
 * The prefix characters for a member: "@+" with multi_prefix, else the
 * highest ("@", "+" or "").
 */
const char *srv_member_prefix(const srv_membership *m, int multi_prefix);

#endif
