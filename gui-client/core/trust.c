/* SPDX-License-Identifier: MIT */
#include "trust.h"

#include "tls-policy.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define KEY_PINS "pins"
#define KEY_STS_PORT "sts-port"
#define KEY_STS_EXPIRES "sts-expires"

struct _NcTrustStore {
    GObject parent_instance;
    char *path;
};

G_DEFINE_TYPE(NcTrustStore, nc_trust_store, G_TYPE_OBJECT)

static void nc_trust_store_finalize(GObject *object)
{
    g_free(NC_TRUST_STORE(object)->path);
    G_OBJECT_CLASS(nc_trust_store_parent_class)->finalize(object);
}

static void nc_trust_store_class_init(NcTrustStoreClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = nc_trust_store_finalize;
}

static void nc_trust_store_init(NcTrustStore *self) {}

NcTrustStore *nc_trust_store_new(const char *path)
{
    NcTrustStore *self = g_object_new(NC_TYPE_TRUST_STORE, NULL);
    self->path = path ? g_strdup(path)
                      : g_build_filename(g_get_user_data_dir(), "natter", "trust.ini", NULL);
    return self;
}

const char *nc_trust_store_get_path(NcTrustStore *self)
{
    return self->path;
}

/* The group name for host: lower case, no trailing dot.  GKeyFile groups
 * cannot hold brackets or control characters; no host name or address
 * (IPv6 ones are given without brackets) has them. */
static char *host_key(const char *host, GError **error)
{
    g_autofree char *key = g_ascii_strdown(host ? host : "", -1);
    gsize len = strlen(key);
    if (len > 1 && key[len - 1] == '.')
        key[len - 1] = '\0';
    gboolean ok = *key != '\0';
    for (const char *p = key; ok && *p; p++)
        ok = *p != '[' && *p != ']' && (guchar)*p >= 0x20;
    if (!ok) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Not a host name: “%s”"),
                    host ? host : "");
        return NULL;
    }
    return g_steal_pointer(&key);
}

/* The file as it is now; an absent or unreadable one is empty (a broken
 * file must not stop natter from connecting, and is rewritten whole on the
 * next change). */
static GKeyFile *load(NcTrustStore *self)
{
    GKeyFile *kf = g_key_file_new();
    g_autoptr(GError) error = NULL;
    if (!g_key_file_load_from_file(kf, self->path, G_KEY_FILE_KEEP_COMMENTS, &error) &&
        !g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning("%s: %s (starting from an empty one)", self->path, error->message);
    return kf;
}

static gboolean save(NcTrustStore *self, GKeyFile *kf, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(self->path);
    if (g_mkdir_with_parents(dir, 0700) != 0) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", dir,
                    g_strerror(err));
        return FALSE;
    }
    g_key_file_set_comment(kf, NULL, NULL,
                           " natter: certificates trusted by hand (pins, SHA-256) and servers'"
                           " STS policies, per host",
                           NULL);
    gsize len;
    g_autofree char *text = g_key_file_to_data(kf, &len, NULL);
    /* Not secret, but whom one trusts is one's own business: 0600. */
    return g_file_set_contents_full(self->path, text, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT,
                                    0600, error);
}

char **nc_trust_store_get_pins(NcTrustStore *self, const char *host)
{
    g_autofree char *key = host_key(host, NULL);
    g_autoptr(GKeyFile) kf = load(self);
    g_auto(GStrv) raw = key ? g_key_file_get_string_list(kf, key, KEY_PINS, NULL, NULL) : NULL;
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; raw && raw[i]; i++) {
        char *fp = nc_fingerprint_normalize(raw[i]);
        if (fp)
            g_ptr_array_add(out, fp);
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

gboolean nc_trust_store_pin(NcTrustStore *self, const char *host, const char *fp, gboolean replace,
                            GError **error)
{
    g_autofree char *key = host_key(host, error);
    if (!key)
        return FALSE;
    g_autofree char *norm = nc_fingerprint_normalize(fp);
    if (!norm) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    _("Not a SHA-256 fingerprint: “%s”"), fp ? fp : "");
        return FALSE;
    }
    g_autoptr(GKeyFile) kf = load(self);
    g_auto(GStrv) old = replace ? NULL : g_key_file_get_string_list(kf, key, KEY_PINS, NULL, NULL);
    g_autoptr(GPtrArray) pins = g_ptr_array_new();
    for (guint i = 0; old && old[i]; i++)
        if (g_ascii_strcasecmp(old[i], norm) != 0)
            g_ptr_array_add(pins, old[i]);
    g_ptr_array_add(pins, norm);
    g_key_file_set_string_list(kf, key, KEY_PINS, (const char *const *)pins->pdata, pins->len);
    return save(self, kf, error);
}

gboolean nc_trust_store_unpin(NcTrustStore *self, const char *host, GError **error)
{
    g_autofree char *key = host_key(host, error);
    if (!key)
        return FALSE;
    g_autoptr(GKeyFile) kf = load(self);
    if (!g_key_file_remove_key(kf, key, KEY_PINS, NULL))
        return TRUE;
    return save(self, kf, error);
}

gboolean nc_trust_store_get_sts(NcTrustStore *self, const char *host, guint16 *port,
                                gint64 *expires)
{
    g_autofree char *key = host_key(host, NULL);
    if (!key)
        return FALSE;
    g_autoptr(GKeyFile) kf = load(self);
    g_autoptr(GError) error = NULL;
    gint p = g_key_file_get_integer(kf, key, KEY_STS_PORT, &error);
    if (error || p <= 0 || p > 65535)
        return FALSE;
    gint64 until = g_key_file_get_int64(kf, key, KEY_STS_EXPIRES, &error);
    if (error || until <= g_get_real_time() / G_USEC_PER_SEC)
        return FALSE;
    if (port)
        *port = (guint16)p;
    if (expires)
        *expires = until;
    return TRUE;
}

gboolean nc_trust_store_set_sts(NcTrustStore *self, const char *host, guint16 port, gint64 duration,
                                GError **error)
{
    g_autofree char *key = host_key(host, error);
    if (!key)
        return FALSE;
    g_autoptr(GKeyFile) kf = load(self);
    if (duration <= 0) {
        gboolean had = g_key_file_remove_key(kf, key, KEY_STS_PORT, NULL);
        had |= g_key_file_remove_key(kf, key, KEY_STS_EXPIRES, NULL);
        return had ? save(self, kf, error) : TRUE;
    }
    g_key_file_set_integer(kf, key, KEY_STS_PORT, port);
    g_key_file_set_int64(kf, key, KEY_STS_EXPIRES, g_get_real_time() / G_USEC_PER_SEC + duration);
    return save(self, kf, error);
}
