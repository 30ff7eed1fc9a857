/* SPDX-License-Identifier: MIT */
#include "natterd-helpers.h"

#include "fake-server.h" /* fake_pump_until */
#include "helpers.h"     /* nt_test_main */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <natter/error.h>
#include <natter/net.h>
#include <natter/tls.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *nc_test_natterd;
char *nc_test_tmpdir;

gboolean nc_test_natterd_init(void)
{
    const char *env = g_getenv("NATTER_NATTERD");
    if (!env || !g_file_test(env, G_FILE_TEST_IS_EXECUTABLE))
        return FALSE;
    nc_test_natterd = g_strdup(env);
    nc_test_tmpdir = g_dir_make_tmp("natter-gui-XXXXXX", NULL);
    g_assert_nonnull(nc_test_tmpdir);
    return TRUE;
}

void nc_test_natterd_cleanup(void)
{
    if (nc_test_tmpdir) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", nc_test_tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", nc_test_tmpdir);
    }
    g_clear_pointer(&nc_test_tmpdir, g_free);
    g_clear_pointer(&nc_test_natterd, g_free);
}

guint16 nc_test_free_port(void)
{
    nt_addr any, got;
    nt_socket *s = NULL;
    nt_addr_loopback(NT_AF_INET, 0, &any);
    g_assert_cmpint(nt_socket_create_server(&any, NT_BACKLOG_DEFAULT, &s), ==, NT_OK);
    nt_socket_getsockname(s, &got);
    nt_socket_close(s);
    return got.port;
}

/* For "localhost": connecting to 127.0.0.1 also fails the name check, as
 * a LAN address would. */
char *nc_test_make_certificate(const char *name, char **cert, char **key)
{
    *cert = g_strdup_printf("%s/%s-cert.pem", nc_test_tmpdir, name);
    *key = g_strdup_printf("%s/%s-key.pem", nc_test_tmpdir, name);
    g_assert_cmpint(nt_tls_make_self_signed("localhost", 30, *cert, *key), ==, NT_OK);
    char fp[NT_TLS_FINGERPRINT_LEN];
    g_assert_cmpint(nt_tls_fingerprint_file(*cert, fp), ==, NT_OK);
    return g_strdup(fp);
}

gboolean nc_test_log_has(const char *path, const char *needle)
{
    g_autofree char *text = NULL;
    return g_file_get_contents(path, &text, NULL, NULL) && strstr(text, needle);
}

void nc_test_server_dump_log(const NcTestServer *s)
{
    g_autofree char *text = NULL;
    if (s->log && g_file_get_contents(s->log, &text, NULL, NULL))
        fprintf(stderr, "--- natterd's log\n%s---\n", text);
}

gboolean nc_test_server_start(NcTestServer *s, const char *name, guint16 plain_port,
                              guint16 tls_port, const char *extra)
{
    memset(s, 0, sizeof *s);
    g_autofree char *cert = NULL, *key = NULL;
    s->fingerprint = nc_test_make_certificate(name, &cert, &key);
    s->plain_port = plain_port ? plain_port : nc_test_free_port();
    s->tls_port = tls_port ? tls_port : nc_test_free_port();
    g_autofree char *conf_text =
        g_strdup_printf("[listen]\naddress = 127.0.0.1:%u\n"
                        "tls_address = 127.0.0.1:%u\n"
                        "[tls]\ncertificate = %s\nkey = %s\n%s",
                        s->plain_port, s->tls_port, cert, key, extra ? extra : "");
    g_autofree char *conf = g_strdup_printf("%s/%s.conf", nc_test_tmpdir, name);
    g_assert_true(g_file_set_contents(conf, conf_text, -1, NULL));
    s->log = g_strdup_printf("%s/%s.log", nc_test_tmpdir, name);
    g_remove(s->log);
    g_autoptr(GError) error = NULL;
    s->process = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &error, nc_test_natterd, "--config",
                                  conf, "--log-file", s->log, NULL);
    if (!s->process) {
        fprintf(stderr, "cannot start %s: %s\n", nc_test_natterd, error->message);
        return FALSE;
    }
    /* Ready is a line in its log: polled with a deadline (5 s). */
    for (int i = 0; i < 200; i++) {
        if (nc_test_log_has(s->log, " ready"))
            return TRUE;
        if (nc_test_log_has(s->log, "error"))
            break;
        g_usleep(25000);
    }
    nc_test_server_dump_log(s);
    return FALSE;
}

char *nc_test_store_config(const char *name)
{
    g_autofree char *dir = g_strdup_printf("%s/%s-store", nc_test_tmpdir, name);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
    return g_strdup_printf("[store]\ndirectory = %s\n[accounts]\nregistration = open\n", dir);
}

int nc_test_natterd_main(const char *suite, const CU_TestInfo *tests, NcTestServer *s,
                         gboolean store, const char *extra)
{
    if (!nc_test_natterd_init()) {
        printf("SKIP: natterd not built (set NATTER_NATTERD)\n");
        return 77;
    }
    int rc = 1;
    g_autofree char *store_text = store ? nc_test_store_config("main") : NULL;
    g_autofree char *conf = g_strconcat(store_text ? store_text : "", extra ? extra : "", NULL);
    if (nc_test_server_start(s, "main", 0, 0, conf)) {
        rc = nt_test_main(suite, tests);
        if (rc != 0)
            nc_test_server_dump_log(s);
    } else {
        printf("FAIL: natterd did not start\n");
    }
    nc_test_server_stop(s);
    nc_test_natterd_cleanup();
    return rc;
}

void nc_test_server_stop(NcTestServer *s)
{
    if (s->process) {
        g_subprocess_send_signal(s->process, SIGTERM);
        g_subprocess_wait(s->process, NULL, NULL);
        g_clear_object(&s->process);
    }
    g_clear_pointer(&s->log, g_free);
    g_clear_pointer(&s->fingerprint, g_free);
}

gboolean nc_test_wait_state(NcClient *c, NcClientState state)
{
    return fake_wait_state(c, state, 8000);
}

typedef struct {
    NcNetwork *net;
    const char *name;
    gboolean joined; /* and joined, not only there */
} BufferWait;

static gboolean buffer_ready(gpointer data)
{
    BufferWait *w = data;
    NcBuffer *b = nc_network_find_buffer(w->net, w->name);
    return b && (!w->joined || nc_buffer_get_joined(b));
}

static NcBuffer *wait_buffer(NcClient *c, const char *name, gboolean joined)
{
    BufferWait w = {nc_client_get_network(c), name, joined};
    return fake_pump_until(buffer_ready, &w, 5000) ? nc_network_find_buffer(w.net, name) : NULL;
}

NcBuffer *nc_test_wait_joined(NcClient *c, const char *channel)
{
    return wait_buffer(c, channel, TRUE);
}

NcBuffer *nc_test_wait_buffer(NcClient *c, const char *name)
{
    return wait_buffer(c, name, FALSE);
}

typedef struct {
    NcBuffer *buffer;
    const char *text;
} TextWait;

static gboolean buffer_has_text(gpointer data)
{
    TextWait *w = data;
    GListModel *msgs = nc_buffer_get_messages(w->buffer);
    guint n = g_list_model_get_n_items(msgs);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcMessage) m = g_list_model_get_item(msgs, i);
        if (strstr(nc_message_get_text(m), w->text))
            return TRUE;
    }
    return FALSE;
}

gboolean nc_test_wait_text(NcBuffer *b, const char *text)
{
    TextWait w = {b, text};
    return fake_pump_until(buffer_has_text, &w, 5000);
}
