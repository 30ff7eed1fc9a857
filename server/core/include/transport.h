/* SPDX-License-Identifier: MIT */
/*
 * The seam between natterd's protocol core and whatever carries its bytes.
 *
 * The core never touches a socket.  The network layer (server/daemon/net.c, on
 * libnatter's loop) or a test's in-memory fake gives the core a vtable when
 * it creates a client, then feeds it received lines; the core answers by
 * calling the vtable.  Because nothing here names a socket, a fuzz target
 * can drive the whole protocol with plain function calls.
 *
 * Calls from the core to the transport (this vtable):
 *   send()           queue one complete line (ending in CRLF) for output;
 *   close()          flush what is queued, then close the connection;
 *   pause_reading()  stop delivering lines until a time (flood penalty).
 *
 * Calls from the network layer to the core (declared in natterd-core.h):
 * srv_client_new(), srv_client_line(), srv_client_line_too_long(),
 * srv_client_error(), srv_client_gone(), srv_server_tick(),
 * srv_server_next_tick().
 *
 * Lifetime rule: once the core has called close() for a client, it has
 * forgotten that client.  The network layer must not call any srv_client_*
 * function for it again (not even srv_client_gone()), and must stop feeding
 * it any lines it still has buffered.  close() may be called from inside
 * srv_client_line(), srv_server_tick() or any other entry point.
 */
#ifndef NATTERD_TRANSPORT_H
#define NATTERD_TRANSPORT_H

#include <natter/buf.h>
#include <stdint.h>

/** What the core needs from a connection; all three must be non-NULL. */
typedef struct srv_transport {
    /**
     * Queue line for output.  line holds one IRC line including its CRLF.
     * The buffer is BORROWED: the core keeps its own reference and drops
     * it after send() returns, so a transport that keeps the buffer past
     * the call (it usually does, in its output queue) takes a reference
     * with nt_buf_ref() and drops it once written.  The same buffer is
     * handed to many transports during a fan-out: it must not be modified.
     */
    void (*send)(void *ctx, nt_buf *line);

    /**
     * Flush queued output, then close the connection.  reason is for the
     * log (the client has already been sent an ERROR line).  After this
     * call the core never uses ctx again.
     */
    void (*close)(void *ctx, const char *reason);

    /**
     * Flood penalty: stop reading from the connection until the monotonic
     * time until_ms (the clock the core is given, normally nt_clock_ms()),
     * then resume by itself.  Lines already read may still be delivered.
     */
    void (*pause_reading)(void *ctx, uint64_t until_ms);
} srv_transport;

#endif
