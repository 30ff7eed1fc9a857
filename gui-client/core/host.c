/* SPDX-License-Identifier: MIT */
#include "host.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <natter/error.h>
#include <natter/tls.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct _NcLocalServer {
    GObject parent_instance;
    char *natterd;
    char *address;
    guint16 want_port;
    guint16 port;
    char *config;      /* natterd's configuration (TLS), or NULL */
    char *fingerprint; /* of its certificate, or NULL: plain text */
    GSubprocess *process;
    GDataInputStream *log;
    GCancellable *cancel;
};

enum { SIG_READY, SIG_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(NcLocalServer, nc_local_server, G_TYPE_OBJECT)

static void nc_local_server_dispose(GObject *object)
{
    NcLocalServer *self = NC_LOCAL_SERVER(object);
    nc_local_server_stop(self);
    G_OBJECT_CLASS(nc_local_server_parent_class)->dispose(object);
}

static void nc_local_server_finalize(GObject *object)
{
    NcLocalServer *self = NC_LOCAL_SERVER(object);
    g_free(self->natterd);
    g_free(self->address);
    g_free(self->config);
    g_free(self->fingerprint);
    G_OBJECT_CLASS(nc_local_server_parent_class)->finalize(object);
}

static void nc_local_server_class_init(NcLocalServerClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->dispose = nc_local_server_dispose;
    oc->finalize = nc_local_server_finalize;
    signals[SIG_READY] = g_signal_new("ready", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                      NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
    signals[SIG_FAILED] = g_signal_new("failed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void nc_local_server_init(NcLocalServer *self) {}

static char *executable_in(const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test(path, G_FILE_TEST_IS_DIR))
        return path;
    g_free(path);
    return NULL;
}

char *nc_find_natterd(const char *const *extra_dirs)
{
    const char *env = g_getenv("NATTER_NATTERD");
    if (env && *env && g_file_test(env, G_FILE_TEST_IS_EXECUTABLE))
        return g_strdup(env);
    for (guint i = 0; extra_dirs && extra_dirs[i]; i++) {
        char *p = executable_in(extra_dirs[i], "natterd");
        if (p)
            return p;
    }
    /* Beside the running program: an install puts both in one folder, a
     * build tree has natterd in ../server/ of gui-client/. */
    g_autofree char *self_exe = g_file_read_link("/proc/self/exe", NULL);
    if (self_exe) {
        g_autofree char *dir = g_path_get_dirname(self_exe);
        g_autofree char *server_dir = g_build_filename(dir, "..", "server", NULL);
        const char *dirs[] = {dir, server_dir, NULL};
        for (guint i = 0; dirs[i]; i++) {
            char *p = executable_in(dirs[i], "natterd");
            if (p)
                return p;
        }
    }
    const char *installed[] = {NATTER_LIBEXECDIR, NATTER_BINDIR, NATTER_SBINDIR, NULL};
    for (guint i = 0; installed[i]; i++) {
        char *p = executable_in(installed[i], "natterd");
        if (p)
            return p;
    }
    char *p = g_find_program_in_path("natterd");
    if (p)
        return p;
    return executable_in("/usr/sbin", "natterd");
}

NcLocalServer *nc_local_server_new(const char *natterd, const char *address, guint16 port)
{
    NcLocalServer *self = g_object_new(NC_TYPE_LOCAL_SERVER, NULL);
    self->natterd = g_strdup(natterd);
    self->address = g_strdup(address ? address : "127.0.0.1");
    self->want_port = port;
    return self;
}

guint16 nc_local_server_get_port(NcLocalServer *self)
{
    return self->port;
}

const char *nc_local_server_get_fingerprint(NcLocalServer *self)
{
    return self->fingerprint;
}

char *nc_user_data_dir(void)
{
    return g_build_filename(g_get_user_data_dir(), "natter", NULL);
}

static gboolean fail_nt(GError **error, int rc, const char *what, const char *path)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot %s %s: %s"), what, path,
                nt_strerror(rc));
    return FALSE;
}

gboolean nc_host_certificate_ensure(const char *dir, char **cert_path, char **fingerprint,
                                    GError **error)
{
    if (g_mkdir_with_parents(dir, 0700) != 0) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", dir,
                    g_strerror(err));
        return FALSE;
    }
    g_autofree char *cert = g_build_filename(dir, "host-cert.pem", NULL);
    g_autofree char *key = g_build_filename(dir, "host-key.pem", NULL);
    char fp[NT_TLS_FINGERPRINT_LEN];
    /* Made once and kept: the fingerprint is what others pinned, so a new
     * certificate on every start would look like an attack to them. */
    gboolean have =
        g_file_test(key, G_FILE_TEST_IS_REGULAR) && nt_tls_fingerprint_file(cert, fp) == NT_OK;
    if (!have) {
        g_autofree char *name = g_ascii_strdown(g_get_host_name(), -1);
        int rc = nt_tls_make_self_signed(*name ? name : "localhost", 3650, cert, key);
        if (rc != NT_OK)
            return fail_nt(error, rc, _("make a certificate in"), dir);
        if ((rc = nt_tls_fingerprint_file(cert, fp)) != NT_OK)
            return fail_nt(error, rc, _("read the certificate"), cert);
    }
    /* The key is the chat's identity: the owner's only, whoever made it. */
    if (g_chmod(key, 0600) != 0) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", key,
                    g_strerror(err));
        return FALSE;
    }
    /* Accounts made in the hosted chat outlive it: natterd keeps them in
     * its store (natterd.db) in the data folder, the owner's only. */
    g_autofree char *store = g_build_filename(dir, "host-store", NULL);
    if (g_mkdir_with_parents(store, 0700) != 0) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", store,
                    g_strerror(err));
        return FALSE;
    }
    g_autofree char *conf = g_build_filename(dir, "host-natterd.conf", NULL);
    g_autofree char *text =
        g_strdup_printf("# natter's hosted chat: written by natter on each start\n"
                        "[tls]\ncertificate = %s\nkey = %s\n"
                        "[store]\ndirectory = %s\n"
                        "[accounts]\nregistration = open\n",
                        cert, key, store);
    if (!g_file_set_contents_full(conf, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
        return FALSE;
    if (cert_path)
        *cert_path = g_steal_pointer(&cert);
    if (fingerprint)
        *fingerprint = g_strdup(fp);
    return TRUE;
}

gboolean nc_local_server_use_tls(NcLocalServer *self, const char *dir, GError **error)
{
    g_autofree char *fp = NULL;
    if (!nc_host_certificate_ensure(dir, NULL, &fp, error))
        return FALSE;
    g_free(self->config);
    self->config = g_build_filename(dir, "host-natterd.conf", NULL);
    g_free(self->fingerprint);
    self->fingerprint = g_steal_pointer(&fp);
    return TRUE;
}

guint16 nc_parse_listening_line(const char *line)
{
    const char *at = strstr(line, "listening on ");
    if (!at)
        return 0;
    at += strlen("listening on ");
    const char *end = at;
    while (*end && *end != ' ' && *end != '\n')
        end++;
    const char *colon = NULL;
    for (const char *p = at; p < end; p++)
        if (*p == ':')
            colon = p;
    if (!colon)
        return 0;
    long port = strtol(colon + 1, NULL, 10);
    return port > 0 && port < 65536 ? (guint16)port : 0;
}

static void read_next_line(NcLocalServer *self);

static void on_line(GObject *source, GAsyncResult *res, gpointer data)
{
    NcLocalServer *self = data;
    g_autoptr(GError) error = NULL;
    gsize len;
    g_autofree char *line =
        g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(source), res, &len, &error);
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_object_unref(self);
        return;
    }
    if (!line) {
        /* natterd's stderr closed: it has exited. */
        if (!self->port || self->process) {
            g_autofree char *msg =
                g_strdup_printf(_("The local server (%s) stopped"), self->natterd);
            g_signal_emit(self, signals[SIG_FAILED], 0, msg);
        }
        g_object_unref(self);
        return;
    }
    /* Pass its log on, so whoever started natter sees the server's too. */
    g_printerr("natterd: %s\n", line);
    guint16 port = nc_parse_listening_line(line);
    if (port && !self->port) {
        self->port = port;
        g_signal_emit(self, signals[SIG_READY], 0, (guint)port);
    }
    read_next_line(self);
    g_object_unref(self);
}

static void read_next_line(NcLocalServer *self)
{
    g_data_input_stream_read_line_async(self->log, G_PRIORITY_DEFAULT, self->cancel, on_line,
                                        g_object_ref(self));
}

gboolean nc_local_server_start(NcLocalServer *self, GError **error)
{
    g_autofree char *listen = g_strdup_printf("%s:%u", self->address, (guint)self->want_port);
    /* With TLS natterd listens for TLS only (no --listen): nobody on the
     * LAN can talk to the chat in plain text. */
    if (self->config)
        self->process = g_subprocess_new(G_SUBPROCESS_FLAGS_STDERR_PIPE, error, self->natterd,
                                         "--config", self->config, "--listen-tls", listen, NULL);
    else
        self->process = g_subprocess_new(G_SUBPROCESS_FLAGS_STDERR_PIPE, error, self->natterd,
                                         "--listen", listen, NULL);
    if (!self->process)
        return FALSE;
    self->cancel = g_cancellable_new();
    self->log = g_data_input_stream_new(g_subprocess_get_stderr_pipe(self->process));
    read_next_line(self);
    return TRUE;
}

void nc_local_server_stop(NcLocalServer *self)
{
    if (self->cancel)
        g_cancellable_cancel(self->cancel);
    if (self->process) {
        g_autoptr(GSubprocess) p = self->process;
        self->process = NULL;
        g_subprocess_send_signal(p, SIGTERM);
        /* natterd stops within milliseconds on SIGTERM; reap it so no
         * server outlives the window that started it. */
        g_subprocess_wait(p, NULL, NULL);
    }
    g_clear_object(&self->log);
    g_clear_object(&self->cancel);
}
