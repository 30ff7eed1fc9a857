/* SPDX-License-Identifier: MIT */
/* SIGINT/SIGTERM/SIGHUP through a self-pipe: the handler only writes the
 * signal number (async-signal-safe); the loop reads it and calls back. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <natter/signal.h>

#include "loop-internal.h"

typedef struct request {
    nt_task_cb cb;
    void *data;
} request;

static int pipe_fd[2] = {-1, -1};
static nt_watch *pipe_watch;
static nt_loop *signal_loop;
static request requests[3];

static void handler(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    ssize_t rc = write(pipe_fd[1], &b, 1);
    (void)rc; /* a full pipe already holds a wakeup */
    errno = saved;
}

static void on_pipe(nt_watch *w, int events, void *data)
{
    unsigned char buf[32];
    (void)w;
    (void)events;
    (void)data;
    ssize_t n;
    while ((n = read(pipe_fd[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            int which = buf[i] == SIGHUP ? NT_SIGNAL_RELOAD : NT_SIGNAL_TERMINATE;
            if (requests[which].cb)
                requests[which].cb(requests[which].data);
        }
    }
}

static int setup_pipe(nt_loop *loop)
{
    if (pipe_fd[0] >= 0)
        return loop == signal_loop ? NT_OK : NT_EINVAL;
    if (pipe(pipe_fd) != 0)
        return NT_EMFILE;
    for (int i = 0; i < 2; i++) {
        fcntl(pipe_fd[i], F_SETFL, fcntl(pipe_fd[i], F_GETFL) | O_NONBLOCK);
        fcntl(pipe_fd[i], F_SETFD, FD_CLOEXEC);
    }
    int rc = nt_watch_new(loop, pipe_fd[0], on_pipe, NULL, &pipe_watch);
    if (rc == NT_OK) {
        /* The module's own watcher: not the program's to walk or drain,
         * but counted open (nt_loop_close() waits for unwatch_all). */
        nt__handle_set_flags(nt_watch_handle(pipe_watch), NT__H_INTERNAL | NT__H_UNREF);
        rc = nt_watch_set(pipe_watch, NT_EV_READ);
    }
    if (rc != NT_OK) {
        nt_watch_close(pipe_watch, NULL);
        pipe_watch = NULL;
        close(pipe_fd[0]);
        close(pipe_fd[1]);
        pipe_fd[0] = pipe_fd[1] = -1;
        return rc;
    }
    signal_loop = loop;
    return NT_OK;
}

static void install(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int nt_signal_watch(nt_loop *loop, nt_signal which, nt_task_cb cb, void *data)
{
    if (!loop || !cb || (which != NT_SIGNAL_TERMINATE && which != NT_SIGNAL_RELOAD))
        return NT_EINVAL;
    int rc = setup_pipe(loop);
    if (rc != NT_OK)
        return rc;
    requests[which].cb = cb;
    requests[which].data = data;
    if (which == NT_SIGNAL_TERMINATE) {
        install(SIGINT, handler);
        install(SIGTERM, handler);
    } else {
        install(SIGHUP, handler);
    }
    return NT_OK;
}

void nt_signal_unwatch_all(void)
{
    if (pipe_fd[0] < 0)
        return;
    install(SIGINT, SIG_DFL);
    install(SIGTERM, SIG_DFL);
    install(SIGHUP, SIG_DFL);
    nt_watch_close(pipe_watch, NULL);
    pipe_watch = NULL;
    close(pipe_fd[0]);
    close(pipe_fd[1]);
    pipe_fd[0] = pipe_fd[1] = -1;
    signal_loop = NULL;
    memset(requests, 0, sizeof requests);
}
