/* SPDX-License-Identifier: MIT */
/* The blocking TLS socket, Python's SSLSocket: the session of tls.c over
 * an nt_socket, waiting with the socket's own timeout the way the plain
 * socket calls do (one deadline per call, resumed after interruptions). */
#include <natter/loop.h>

#include <stdlib.h>

#include "socket-internal.h"
#include "tls-internal.h"

struct nt_tls_socket {
    nt_socket *sock;
    nt__tls *tls;
};

/* The call's deadline: a non-blocking socket has none of its own, so a
 * handshake on one waits as a blocking socket would. */
static uint64_t call_deadline(const nt_socket *s, int handshake)
{
    if (s->timeout == 0)
        return handshake ? NT__FOREVER : 0;
    return nt__deadline(s);
}

/* NT_EAGAIN from the session: wait for what it wants, or give up. */
static int wait_session(nt_tls_socket *t, uint64_t deadline)
{
    if (deadline == 0)
        return NT_EAGAIN; /* non-blocking: the caller retries */
    int ev = nt__tls_wants(t->tls) == NT_EV_WRITE ? NT_EV_WRITE : NT_EV_READ;
    int rc = nt__wait_deadline(t->sock->fd, ev, deadline);
    return rc < 0 ? rc : NT_OK;
}

int nt_tls_wrap(nt_socket *s, nt_tls_config *cfg, const char *server_hostname,
                nt_tls_socket **out)
{
    if (!s || !cfg || !out) {
        nt_socket_close(s);
        return NT_EINVAL;
    }
    nt_tls_socket *t = calloc(1, sizeof *t);
    if (!t) {
        nt_socket_close(s);
        return NT_ENOMEM;
    }
    t->sock = s;
    int rc = nt__tls_new(cfg, server_hostname, &t->tls);
    if (rc != NT_OK) {
        nt_tls_close(t);
        return rc;
    }
    nt__tls_set_fd(t->tls, s->fd);
    uint64_t deadline = call_deadline(s, 1);
    while ((rc = nt__tls_handshake(t->tls)) == NT_EAGAIN) {
        if ((rc = wait_session(t, deadline)) != NT_OK)
            break;
    }
    if (rc != NT_OK) {
        nt_tls_close(t);
        return rc;
    }
    *out = t;
    return NT_OK;
}

ptrdiff_t nt_tls_recv(nt_tls_socket *t, void *buf, size_t len)
{
    if (!t || (!buf && len))
        return NT_EINVAL;
    if (len == 0)
        return 0;
    uint64_t deadline = call_deadline(t->sock, 0);
    for (;;) {
        ptrdiff_t n = nt__tls_read(t->tls, buf, len);
        if (n > 0)
            return n;
        if (n == 0)
            return NT_EOF; /* close_notify */
        if (n != NT_EAGAIN)
            return n;
        int rc = wait_session(t, deadline);
        if (rc != NT_OK)
            return rc;
    }
}

ptrdiff_t nt_tls_send(nt_tls_socket *t, const void *buf, size_t len)
{
    if (!t || (!buf && len))
        return NT_EINVAL;
    if (len == 0)
        return 0;
    if (t->sock->write_shut)
        return NT_ESHUTDOWN;
    uint64_t deadline = call_deadline(t->sock, 0);
    nt__iov iov = {buf, len};
    for (;;) {
        ptrdiff_t n = nt__tls_writev(t->tls, &iov, 1);
        if (n != NT_EAGAIN)
            return n;
        int rc = wait_session(t, deadline);
        if (rc != NT_OK)
            return rc;
    }
}

int nt_tls_sendall(nt_tls_socket *t, const void *buf, size_t len, size_t *sent)
{
    size_t done = 0;
    int rc = NT_OK;
    if (!t || (!buf && len))
        rc = NT_EINVAL;
    /* One deadline for the whole call, as nt_socket_sendall() has. */
    uint64_t deadline = t ? call_deadline(t->sock, 0) : 0;
    while (rc == NT_OK && done < len) {
        nt__iov iov = {(const char *)buf + done, len - done};
        ptrdiff_t n = nt__tls_writev(t->tls, &iov, 1);
        if (n > 0)
            done += (size_t)n;
        else if (n == NT_EAGAIN)
            rc = wait_session(t, deadline);
        else
            rc = (int)n;
    }
    if (sent)
        *sent = done;
    return rc;
}

int nt_tls_shutdown(nt_tls_socket *t)
{
    if (!t)
        return NT_EINVAL;
    nt__tls_close_notify(t->tls);
    return nt_socket_shutdown(t->sock, NT_SHUT_WR);
}

int nt_tls_socket_info(const nt_tls_socket *t, nt_tls_info *out)
{
    if (!t || !out)
        return NT_EINVAL;
    nt__tls_info(t->tls, out);
    return NT_OK;
}

nt_socket *nt_tls_socket_raw(nt_tls_socket *t)
{
    return t ? t->sock : NULL;
}

void nt_tls_close(nt_tls_socket *t)
{
    if (!t)
        return;
    nt__tls_free(t->tls);
    nt_socket_close(t->sock);
    free(t);
}
