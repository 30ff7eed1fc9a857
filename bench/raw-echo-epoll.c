/* SPDX-License-Identifier: MIT */
/*
 * The raw echo workload (raw-echo.h) on a plain epoll loop: sockets,
 * epoll_wait(), recv() and send() and nothing else, as a hand-written
 * Linux server does it.  Level-triggered; an answer is written at once
 * from the read that caused it, and only what the socket does not take is
 * kept for EPOLLOUT.  No libnatter here: this is what it is measured
 * against.
 */
#include "raw-echo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define READ_SIZE (64 * 1024)

struct end {
    int fd;
    int client;         /* 1: counts echoes and sends; 0: echoes */
    long long received; /* a client's bytes back so far */
    char *out;          /* bytes the socket did not take yet */
    size_t outlen, outcap;
};

struct plain {
    const struct raw_echo_params *p;
    int ep;
    struct end *ends; /* clients at [0, conns), servers after them */
    char *payload;    /* window * msg_size bytes to send from */
    int counting;
    long long messages;
    char *err;
    size_t errlen;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(struct plain *pl, const char *what)
{
    if (!pl->err[0])
        snprintf(pl->err, pl->errlen, "plain epoll: %s: %s", what, strerror(errno));
    return -1;
}

const char *raw_echo_plain_name(void)
{
    return "plain epoll";
}

static int watch(struct plain *pl, struct end *e, int op, uint32_t events)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.ptr = e;
    return epoll_ctl(pl->ep, op, e->fd, &ev) == 0 ? 0 : fail(pl, "epoll_ctl");
}

static int keep(struct plain *pl, struct end *e, const char *data, size_t len)
{
    if (e->outlen + len > e->outcap) {
        size_t cap = e->outcap ? e->outcap * 2 : 4096;
        while (cap < e->outlen + len)
            cap *= 2;
        char *grown = realloc(e->out, cap);
        if (!grown)
            return fail(pl, "realloc");
        e->out = grown;
        e->outcap = cap;
    }
    memcpy(e->out + e->outlen, data, len);
    e->outlen += len;
    return 0;
}

static int send_bytes(struct plain *pl, struct end *e, const char *data, size_t len)
{
    if (e->outlen > 0)
        return keep(pl, e, data, len); /* keep the order: behind the rest */
    ssize_t n = send(e->fd, data, len, MSG_NOSIGNAL);
    if (n == (ssize_t)len)
        return 0;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        return fail(pl, "send");
    if (n > 0) {
        data += n;
        len -= (size_t)n;
    }
    if (keep(pl, e, data, len) != 0)
        return -1;
    return watch(pl, e, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
}

static int flush(struct plain *pl, struct end *e)
{
    ssize_t n = send(e->fd, e->out, e->outlen, MSG_NOSIGNAL);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : fail(pl, "send");
    memmove(e->out, e->out + n, e->outlen - (size_t)n);
    e->outlen -= (size_t)n;
    return e->outlen ? 0 : watch(pl, e, EPOLL_CTL_MOD, EPOLLIN);
}

/* A client counts a message for every msg_size bytes back, and sends a
 * new one for each while the clock runs. */
static int client_got(struct plain *pl, struct end *e, size_t n)
{
    long long size = (long long)pl->p->msg_size;
    long long before = e->received / size;
    e->received += (long long)n;
    long long done = e->received / size - before;
    if (!pl->counting || done == 0)
        return 0;
    pl->messages += done;
    return send_bytes(pl, e, pl->payload, (size_t)(done * size));
}

static int readable(struct plain *pl, struct end *e)
{
    static char buf[READ_SIZE];
    ssize_t n = recv(e->fd, buf, sizeof buf, 0);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : fail(pl, "recv");
    if (n == 0) {
        errno = ECONNRESET;
        return fail(pl, "recv (the peer closed)");
    }
    if (e->client)
        return client_got(pl, e, (size_t)n);
    return send_bytes(pl, e, buf, (size_t)n);
}

static int set_up_end(struct plain *pl, struct end *e, int fd, int client)
{
    int one = 1;
    e->fd = fd;
    e->client = client;
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
        return fail(pl, "fcntl");
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        return fail(pl, "TCP_NODELAY");
    return watch(pl, e, EPOLL_CTL_ADD, EPOLLIN);
}

/* Every pair connected through a loopback listener, as nt_conn's side
 * does it; not measured. */
static int connect_all(struct plain *pl)
{
    int conns = pl->p->conns;
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0)
        return fail(pl, "socket");
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, SOMAXCONN) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0) {
        fail(pl, "listen");
        close(lfd);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < conns && rc == 0; i++) {
        int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (cfd < 0) {
            rc = fail(pl, "socket");
            break;
        }
        /* Blocking: the kernel completes a loopback connect from the
         * listen queue, before accept(). */
        if (connect(cfd, (struct sockaddr *)&a, sizeof a) != 0) {
            rc = fail(pl, "connect");
            close(cfd);
            break;
        }
        rc = set_up_end(pl, &pl->ends[i], cfd, 1);
        int sfd = rc == 0 ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC) : -1;
        if (rc == 0 && sfd < 0)
            rc = fail(pl, "accept");
        if (rc == 0)
            rc = set_up_end(pl, &pl->ends[conns + i], sfd, 0);
    }
    close(lfd);
    return rc;
}

static int run(struct plain *pl, struct raw_echo_result *out)
{
    const struct raw_echo_params *p = pl->p;
    if (connect_all(pl) != 0)
        return -1;
    struct epoll_event events[MAX_EVENTS];
    double start = now_s();
    double deadline = start + p->seconds;
    double now = start;
    pl->counting = 1;
    for (int i = 0; i < p->conns; i++)
        if (send_bytes(pl, &pl->ends[i], pl->payload, (size_t)p->window * p->msg_size) != 0)
            return -1;
    while (now < deadline) {
        int n = epoll_wait(pl->ep, events, MAX_EVENTS, 100);
        if (n < 0 && errno != EINTR)
            return fail(pl, "epoll_wait");
        for (int i = 0; i < n; i++) {
            struct end *e = events[i].data.ptr;
            if ((events[i].events & EPOLLOUT) && e->outlen && flush(pl, e) != 0)
                return -1;
            if ((events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && readable(pl, e) != 0)
                return -1;
        }
        now = now_s();
    }
    out->messages = pl->messages;
    out->secs = now - start;
    return 0;
}

int raw_echo_plain(const struct raw_echo_params *p, struct raw_echo_result *out, char *err,
                   size_t errlen)
{
    struct plain pl;
    memset(&pl, 0, sizeof pl);
    pl.p = p;
    pl.err = err;
    pl.errlen = errlen;
    err[0] = '\0';
    pl.ep = epoll_create1(EPOLL_CLOEXEC);
    pl.ends = calloc((size_t)p->conns * 2, sizeof *pl.ends);
    for (int i = 0; pl.ends && i < p->conns * 2; i++)
        pl.ends[i].fd = -1;
    pl.payload = malloc((size_t)p->window * p->msg_size);
    int rc;
    if (pl.ep < 0 || !pl.ends || !pl.payload) {
        rc = fail(&pl, "set-up");
    } else {
        memset(pl.payload, 'x', (size_t)p->window * p->msg_size);
        rc = run(&pl, out);
    }
    for (int i = 0; pl.ends && i < p->conns * 2; i++) {
        if (pl.ends[i].fd >= 0)
            close(pl.ends[i].fd);
        free(pl.ends[i].out);
    }
    if (pl.ep >= 0)
        close(pl.ep);
    free(pl.ends);
    free(pl.payload);
    return rc;
}
