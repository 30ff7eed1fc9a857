/* SPDX-License-Identifier: MIT */
/* A scripted IRC server on a real loopback socket, for driving NcClient:
 * the test says what it expects the client to send and what to answer,
 * while the GLib main context (where the client lives) keeps turning. */
#ifndef NC_TEST_FAKE_SERVER_H
#define NC_TEST_FAKE_SERVER_H

#include "client.h"

#include <glib.h>
#include <natter/net.h>

typedef struct {
    nt_socket *listener;
    nt_addr addr;
    nt_socket *conn;
    GString *in;  /* bytes received, not yet split into lines */
    gboolean eof; /* the client closed (or reset) the connection */
} FakeServer;

/* Listen on 127.0.0.1 on a free port (fake->addr.port). */
void fake_start(FakeServer *fake);
/* Close everything. */
void fake_stop(FakeServer *fake);
/* Run the main context without blocking for about ms milliseconds. */
void fake_pump(guint ms);
/* Run the main context until cond(data) or timeout_ms; TRUE when met. */
gboolean fake_pump_until(gboolean (*cond)(gpointer), gpointer data, guint timeout_ms);
/* Run the main context until client is in state or timeout_ms; TRUE when it is. */
gboolean fake_wait_state(NcClient *client, NcClientState state, guint timeout_ms);
/* Run the main context until client's history request for buffer is
 * answered (nc_client_history_pending()) or timeout_ms; TRUE when it is. */
gboolean fake_wait_history(NcClient *client, NcBuffer *buffer, guint timeout_ms);
/* Disconnect client, let its QUIT go, and unref it. */
void fake_client_finish(NcClient *client);
/* Wait for the client to connect (dropping any previous connection). */
gboolean fake_accept(FakeServer *fake, guint timeout_ms);
/* The next line the client sends that starts with prefix (earlier lines
 * are skipped), or NULL on timeout or EOF.  g_free() it. */
char *fake_expect(FakeServer *fake, const char *prefix, guint timeout_ms);
/* Wait for the client to close the connection; TRUE when it did. */
gboolean fake_wait_eof(FakeServer *fake, guint timeout_ms);
/* Send one line (CR LF added). */
void fake_send(FakeServer *fake, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Send many lines at once (each ending in CR LF), all of them, turning
 * the main context while the socket is full so the client keeps reading;
 * FALSE when the connection failed or timeout_ms passed first. */
gboolean fake_send_bulk(FakeServer *fake, const GString *lines, guint timeout_ms);
/* Connect client and take it through registration as nick with only
 * server-time offered, sending isupport (e.g. "PREFIX=(ov)@+
 * CHANTYPES=#") in 005; TRUE once the client is connected. */
gboolean fake_register(FakeServer *fake, NcClient *client, const char *nick, const char *isupport,
                       guint timeout_ms);
/* Close the connection with a reset (RST), as a crashed server does. */
void fake_reset(FakeServer *fake);
/* Close the connection in order (FIN). */
void fake_close(FakeServer *fake);

#endif
