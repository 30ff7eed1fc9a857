/* SPDX-License-Identifier: MIT */
/* What natter remembers about servers' TLS, per host, in one small file
 * in the user's data folder ($XDG_DATA_HOME/natter/trust.ini, mode 0600):
 *
 *  - pins: SHA-256 fingerprints of certificates the user chose to trust
 *    ("Trust this certificate for this network") or that a LAN beacon
 *    announced; a pinned host is accepted with that certificate whatever
 *    its issuer, name or dates say, and refused with any other;
 *  - STS policies (IRCv3 sts): a server that said, over TLS, that it must
 *    only be reached over TLS, on which port, and until when.
 *
 * Hosts are keyed as typed, without case.  The file is read again before
 * every look-up and change, so two natter windows share it; a change is
 * written at once, atomically. */
#ifndef NC_TRUST_H
#define NC_TRUST_H

#include <glib-object.h>

G_BEGIN_DECLS

#define NC_TYPE_TRUST_STORE (nc_trust_store_get_type())
G_DECLARE_FINAL_TYPE(NcTrustStore, nc_trust_store, NC, TRUST_STORE, GObject)

/**
 * The store kept in path (created on the first change, folders too).
 * @param path the file, or NULL for $XDG_DATA_HOME/natter/trust.ini
 */
NcTrustStore *nc_trust_store_new(const char *path);

/** The file behind the store. */
const char *nc_trust_store_get_path(NcTrustStore *self);

/**
 * The fingerprints pinned for host (lower-case hex).
 * @return a newly allocated NULL-terminated array, empty when none
 */
char **nc_trust_store_get_pins(NcTrustStore *self, const char *host);

/**
 * Trust the certificate with this SHA-256 fingerprint for host.
 * @param replace drop the host's other pins (its certificate changed)
 * @return FALSE with error set when fp is not a fingerprint, host cannot
 *         be a key, or the file cannot be written
 */
gboolean nc_trust_store_pin(NcTrustStore *self, const char *host, const char *fp, gboolean replace,
                            GError **error);

/** Forget every pin for host. @return FALSE with error set on a write error */
gboolean nc_trust_store_unpin(NcTrustStore *self, const char *host, GError **error);

/**
 * The STS policy in force for host: TLS only, on *port, until *expires
 * (seconds since the epoch).  An expired policy is none.
 * @param port, expires may be NULL
 * @return TRUE when a policy is in force
 */
gboolean nc_trust_store_get_sts(NcTrustStore *self, const char *host, guint16 *port,
                                gint64 *expires);

/**
 * Remember (or refresh) host's STS policy, seen over TLS on port: in force
 * for duration seconds from now.  A duration of 0 removes it, as the sts
 * specification says.
 * @return FALSE with error set on a write error
 */
gboolean nc_trust_store_set_sts(NcTrustStore *self, const char *host, guint16 port, gint64 duration,
                                GError **error);

G_END_DECLS
#endif
