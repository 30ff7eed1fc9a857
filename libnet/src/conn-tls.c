/* SPDX-License-Identifier: MIT */
/* TLS on a loop connection: turning it on and asking what it became.
 * The handshake and the encrypted reads and writes are driven from
 * conn.c's I/O paths; the session itself is tls.c's. */
#include "conn-internal.h"
#include "tls-internal.h"

int nt_conn_start_tls(nt_conn *c, nt_tls_config *cfg, const char *server_name)
{
    if (!c || !cfg || c->tls || c->state == NT__CLOSED || c->state == NT__CLOSING)
        return NT_EINVAL;
    nt__tls *t;
    int rc = nt__tls_new(cfg, server_name, &t);
    if (rc != NT_OK)
        return rc;
    c->tls = t;
    /* A connection still connecting starts when its socket is up
     * (nt__conn_opened()). */
    if (c->state == NT__OPEN)
        nt__conn_tls_begin(c);
    return NT_OK;
}

int nt_conn_tls_info(const nt_conn *c, nt_tls_info *out)
{
    if (!c || !out || !c->tls)
        return NT_EINVAL;
    nt__tls_info(c->tls, out);
    return NT_OK;
}
