/* SPDX-License-Identifier: MIT */
/* The in-window, non-modal explanation of a refused server certificate:
 * what failed, in words (from the client's NcTlsProblem), the server, the
 * SHA-256 fingerprint grouped for reading, and a deliberate "Trust This
 * Certificate for This Network" button beside "Don't Connect".  It sits
 * above the conversation; the rest of the window stays usable. */
#ifndef NA_TRUST_BAR_H
#define NA_TRUST_BAR_H

#include "client.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define NA_TYPE_TRUST_BAR (na_trust_bar_get_type())
G_DECLARE_FINAL_TYPE(NaTrustBar, na_trust_bar, NA, TRUST_BAR, GtkBox)

/**
 * Explain client's refused certificate and show the bar (replacing what
 * it showed).  Nothing happens when the client has no problem.
 */
void na_trust_bar_show_client(NaTrustBar *self, NcClient *client);

/** Hide the bar if it is about client (NULL: whatever it is about). */
void na_trust_bar_dismiss(NaTrustBar *self, NcClient *client);

/** The client the bar is about, or NULL when hidden. */
NcClient *na_trust_bar_get_client(NaTrustBar *self);

G_END_DECLS
#endif
