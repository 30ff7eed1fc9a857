/* SPDX-License-Identifier: MIT */
/*
 * chat: a two-way terminal chat between two people, either of whom may
 * type at any moment.  "exit" (or the end of input) ends it for both.
 *
 *   chat --listen [HOST:PORT]    wait for a partner (default 127.0.0.1:3000)
 *   chat [HOST:PORT]             join a partner who is waiting
 *
 * The Python version takes turns: the server says something, then waits
 * in recv() for the answer, during which it cannot type; the client does
 * the opposite.  To listen and type at the same time a program must wait
 * for two things at once: the socket and the keyboard.
 *
 * An event loop waits for many sockets at once (select/poll/epoll, what
 * Python's selectors module wraps).  But on Windows those calls take only
 * sockets, not the console, so the portable way is this: a small thread
 * blocks reading the keyboard and posts each line to the loop with
 * nt_loop_post(), the one loop call that is safe from another thread.
 * Everything else (sending, receiving, printing) happens on the loop's
 * thread, so nothing else needs a lock.
 *
 * Once connected, the two sides are the same program: after accept() a
 * TCP connection has no "server end" and "client end", just two peers.
 */
#include <stdlib.h>
#include <string.h>

#include <natter/conn.h>
#include <natter/thread.h>

#include "common.h"

#define DEFAULT_ADDRESS "127.0.0.1:3000"
#define MAX_LINE 1024

struct chat {
    nt_loop *loop;
    nt_conn *conn;     /* NULL once the conversation has ended */
    int status;        /* the program's exit status */
    nt_mutex *lock;    /* guards the two fields below */
    int loop_running;  /* the keyboard thread may still post to the loop */
    int keyboard_done; /* the keyboard thread has returned */
};

/* One line typed, carried from the keyboard thread to the loop. */
struct typed {
    struct chat *chat;
    int end_of_input;
    char text[]; /* without its line ending */
};

static void leave(struct chat *chat)
{
    /* Tell the partner, then close: nt_conn_close() writes what is
     * queued ("exit" included) before it ends the connection, and
     * on_closed follows and stops the loop. */
    nt_conn_send(chat->conn, "exit\n", 5);
    nt_conn_close(chat->conn);
}

/* On the loop's thread: a line the keyboard thread posted. */
static void on_typed(void *data)
{
    struct typed *t = data;
    struct chat *chat = t->chat;
    if (chat->conn) {
        if (t->end_of_input || strcmp(t->text, "exit") == 0) {
            leave(chat);
        } else if (t->text[0] != '\0') {
            /* Line framing: the newline tells the partner where this
             * message ends (TCP itself keeps no message boundaries). */
            size_t len = strlen(t->text);
            t->text[len] = '\n';
            int rc = nt_conn_send(chat->conn, t->text, len + 1);
            if (rc != NT_OK)
                printf("(not sent: %s)\n", nt_strerror(rc));
        }
    }
    free(t);
}

/* The keyboard thread: block in fgets(), hand each line to the loop. */
static void keyboard(void *arg)
{
    struct chat *chat = arg;
    char line[MAX_LINE];
    for (;;) {
        int more = ex_read_line(line, sizeof line);
        size_t len = more ? strlen(line) : 0;
        /* + 2: room for the newline on_typed() adds, and the NUL. */
        struct typed *t = malloc(sizeof *t + len + 2);
        if (!t)
            break;
        t->chat = chat;
        t->end_of_input = !more;
        memcpy(t->text, line, len);
        t->text[len] = '\0';

        nt_mutex_lock(chat->lock);
        int posted = chat->loop_running && nt_loop_post(chat->loop, on_typed, t) == NT_OK;
        nt_mutex_unlock(chat->lock);
        if (!posted) {
            free(t); /* the conversation is over */
            break;
        }
        if (!more || strcmp(line, "exit") == 0)
            break;
    }
    nt_mutex_lock(chat->lock);
    chat->keyboard_done = 1;
    nt_mutex_unlock(chat->lock);
}

static void on_message(nt_conn *c, const char *msg, size_t len, void *data)
{
    (void)data;
    if (len == 4 && memcmp(msg, "exit", 4) == 0) {
        printf("partner left the chat\n");
        nt_conn_close(c);
        return;
    }
    printf("partner: %.*s\n", (int)len, msg);
}

static void on_frame_error(nt_conn *c, size_t len, void *data)
{
    (void)c;
    (void)data;
    printf("(a message of %d bytes was too long and was dropped)\n", (int)len);
}

static void on_closed(nt_conn *c, int reason, void *data)
{
    struct chat *chat = data;
    (void)c;
    chat->conn = NULL;
    if (nt_err_is_disconnect(reason)) {
        /* Closed or reset, Linux or Windows: the same branch. */
        printf("partner went away (%s)\n", nt_strerror(reason));
    } else if (reason == NT_ECLOSED) {
        printf("chat ended\n"); /* our own close, everything written */
    } else {
        printf("connection lost: %s\n", nt_strerror(reason));
        chat->status = EX_FAILED;
    }
    nt_loop_stop(chat->loop);
}

static nt_socket *wait_for_partner(const nt_addr *addr)
{
    nt_socket *server;
    nt_socket *conn;
    nt_addr peer;
    char who[NT_ADDRSTRLEN];
    int rc = nt_socket_create_server(addr, 1, &server);
    if (rc != NT_OK)
        ex_fail("cannot listen", rc);
    ex_print_listening(server);
    if ((rc = nt_socket_accept(server, &conn, &peer)) != NT_OK)
        ex_fail("accept", rc);
    /* One partner only: stop listening, so a second caller is refused. */
    nt_socket_close(server);
    if (nt_addr_format(&peer, who, sizeof who) < 0)
        strcpy(who, "?");
    printf("%s joined the chat\n", who);
    return conn;
}

static nt_socket *call_partner(const nt_addr *addr)
{
    nt_socket *s;
    char where[NT_ADDRSTRLEN];
    nt_addr_format(addr, where, sizeof where);
    int rc = nt_socket_new(addr->family, NT_SOCK_STREAM, 0, &s);
    if (rc != NT_OK)
        ex_fail("socket", rc);
    nt_socket_settimeout(s, 5.0);
    rc = nt_socket_connect(s, addr);
    if (rc == NT_ECONNREFUSED) {
        fprintf(stderr, "%s: nobody waits at %s: start 'chat --listen' first\n", ex_name(), where);
        exit(EX_FAILED);
    }
    if (rc != NT_OK)
        ex_fail(where, rc);
    printf("joined the chat at %s\n", where);
    return s;
}

int main(int argc, char **argv)
{
    const char *address = NULL;
    int listen_mode = 0;

    ex_init(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 || strcmp(argv[i], "-l") == 0)
            listen_mode = 1;
        else if (argv[i][0] != '-' && !address)
            address = argv[i];
        else
            ex_usage("[--listen] [HOST:PORT]");
    }
    nt_addr addr;
    ex_address(address, DEFAULT_ADDRESS, NT_SOCK_STREAM, &addr);
    nt_socket *s = listen_mode ? wait_for_partner(&addr) : call_partner(&addr);

    struct chat chat = {0};
    int rc = nt_loop_new(&chat.loop);
    if (rc == NT_OK)
        rc = nt_mutex_new(&chat.lock);
    if (rc != NT_OK)
        ex_fail("setting up", rc);

    /* nt_conn reads whenever the socket is readable, cuts the bytes into
     * lines and calls on_message once per line. */
    nt_conn_options opts;
    nt_conn_options_init(&opts);
    opts.framing = NT_FRAME_LINE;
    opts.max_message = MAX_LINE;
    static const nt_conn_callbacks callbacks = {
        .on_message = on_message,
        .on_frame_error = on_frame_error,
        .on_closed = on_closed,
    };
    if ((rc = nt_conn_new(chat.loop, s, &opts, &callbacks, &chat, &chat.conn)) != NT_OK)
        ex_fail("connection", rc);

    chat.loop_running = 1;
    nt_thread *keyboard_thread;
    if ((rc = nt_thread_start(keyboard, &chat, &keyboard_thread)) != NT_OK)
        ex_fail("thread", rc);
    printf("type a message and press Enter; \"exit\" ends the chat\n");

    rc = nt_loop_run(chat.loop);
    if (rc != NT_OK) {
        printf("event loop failed: %s\n", nt_strerror(rc));
        chat.status = EX_FAILED;
    }

    nt_mutex_lock(chat.lock);
    chat.loop_running = 0;
    int keyboard_done = chat.keyboard_done;
    nt_mutex_unlock(chat.lock);
    /* Lines typed after the chat ended may still wait in the loop's queue
     * (they find no connection and are dropped): drain runs them, and
     * closes the connection if the loop failed with it open.  Then the
     * loop owns nothing and closes; NT_EBUSY here would mean we forgot
     * something. */
    nt_loop_drain(chat.loop);
    if ((rc = nt_loop_close(chat.loop)) != NT_OK) {
        printf("cannot close the event loop: %s\n", nt_strerror(rc));
        chat.status = EX_FAILED;
    }
    if (keyboard_done) {
        nt_thread_join(keyboard_thread);
        nt_mutex_free(chat.lock);
        return chat.status;
    }
    /*
     * The partner ended the chat while our keyboard thread is still
     * blocked in fgets().  Standard C cannot interrupt a blocking read,
     * and returning from main() would run exit(), which on Windows waits
     * for the lock fgets() holds on stdin.  So flush what we printed and
     * end the process with _Exit(), which stops every thread at once.
     */
    fflush(stdout);
    fflush(stderr);
    _Exit(chat.status);
}
