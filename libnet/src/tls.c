/* SPDX-License-Identifier: MIT */
/* TLS on OpenSSL 3: the shared configuration (an SSL_CTX), and one
 * session's handshake, reads and writes over a non-blocking socket.
 *
 * Certificates are judged in OpenSSL's verify callback: the first problem
 * is recorded with the peer's fingerprint (so a failed check can still
 * show the user what to trust), a pinned fingerprint overrules it, and
 * otherwise the handshake fails there, with the alert that tells the
 * server why. */
#include <natter/clock.h>
#include <natter/loop.h>
#include <natter/thread.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls-internal.h"

#define MAX_PINS 16
#define SESSION_CACHE 32
#define DEFAULT_HANDSHAKE_MS 10000u
/* One write gathers at most a TLS record's worth of plaintext. */
#define RECORD_MAX 16384u

typedef struct cached_session {
    char *name;
    SSL_SESSION *session;
} cached_session;

struct nt_tls_config {
    SSL_CTX *ctx;
    nt_tls_role role;
    nt_tls_verify verify;
    int has_ca_file;
    int roots_pending; /* a client's system roots, loaded with its first session */
    uint64_t handshake_ms;
    unsigned char pins[MAX_PINS][32];
    size_t npins;
    char error[256];
    nt_mutex *lock; /* the reference count and the session cache */
    int refs;
    cached_session sessions[SESSION_CACHE]; /* clients: the newest per name */
    size_t next_session;
};

struct nt__tls {
    nt_tls_config *cfg;
    SSL *ssl;
    BIO *bio;
    nt_os_sock fd;
    char *server_name;
    int handshaking;
    int want;            /* NT_EV_READ / NT_EV_WRITE after NT_EAGAIN */
    int sys_error;       /* the socket error the BIO met, if any */
    int first_byte;      /* of the peer's data, -1 before any */
    int verify_x509;     /* the first X509_V_ERR_* the verifier met */
    int verify_result;   /* its NT_ETLS_* */
    int leaf_known;      /* leaf_sha256 and leaf_subject are set */
    unsigned char leaf_sha256[32]; /* the peer's certificate, as verified */
    char leaf_subject[256];
    int closed_notify;   /* close_notify sent */
    char detail[128];
};

static int ssl_index = -1; /* SSL ex_data slot: the nt__tls */
static BIO_METHOD *bio_method;

/* ---- one-time set-up ---- */

static int bio_write(BIO *b, const char *buf, int len);
static int bio_read(BIO *b, char *buf, int len);
static long bio_ctrl(BIO *b, int cmd, long num, void *ptr);

static int global_ok;

static void global_init(void)
{
    if (nt__tls_platform_init() != NT_OK)
        return;
    ssl_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "natter socket");
    if (ssl_index < 0 || !bio_method)
        return;
    if (!BIO_meth_set_write(bio_method, bio_write) || !BIO_meth_set_read(bio_method, bio_read) ||
        !BIO_meth_set_ctrl(bio_method, bio_ctrl))
        return;
    global_ok = 1;
}

/* OpenSSL 3 initialises itself thread-safely; ours runs once the same way. */
static int tls_global_init(void)
{
    static CRYPTO_ONCE once = CRYPTO_ONCE_STATIC_INIT;
    if (nt__sys_init() != NT_OK)
        return NT_ETLS_CONFIG;
    if (!CRYPTO_THREAD_run_once(&once, global_init) || !global_ok)
        return NT_ETLS_CONFIG;
    return NT_OK;
}

/* ---- the BIO: the session's bytes through libnatter's socket calls ---- */

static int bio_write(BIO *b, const char *buf, int len)
{
    nt__tls *t = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ptrdiff_t n = nt__sys_send(t->fd, buf, (size_t)len);
    if (n >= 0)
        return (int)n;
    if (n == NT_EAGAIN)
        BIO_set_retry_write(b);
    else
        t->sys_error = (int)n;
    return -1;
}

static int bio_read(BIO *b, char *buf, int len)
{
    nt__tls *t = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ptrdiff_t n = nt__sys_recv(t->fd, buf, (size_t)len, 0);
    if (n > 0) {
        if (t->first_byte < 0)
            t->first_byte = (unsigned char)buf[0];
        return (int)n;
    }
    if (n == 0)
        return 0; /* end of stream: OpenSSL tells a cut one from close_notify */
    if (n == NT_EAGAIN)
        BIO_set_retry_read(b);
    else
        t->sys_error = (int)n;
    return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    /* Writes go straight to the socket: nothing to flush. */
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

/* ---- errors ---- */

/* "path: what (the TLS library's reason)" for nt_tls_config_error(). */
static void set_error(nt_tls_config *cfg, const char *path, const char *what)
{
    char ossl[160] = "";
    unsigned long e = ERR_peek_last_error();
    if (e)
        ERR_error_string_n(e, ossl, sizeof ossl);
    ERR_clear_error();
    snprintf(cfg->error, sizeof cfg->error, "%s: %s", path, what);
    if (ossl[0]) {
        size_t n = strlen(cfg->error);
        snprintf(cfg->error + n, sizeof cfg->error - n, " (%s)", ossl);
    }
}

/* What a certificate check's first failure means to a user. */
static int map_x509_error(int x)
{
    switch (x) {
    case X509_V_OK:
        return NT_OK;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return NT_ETLS_HOSTNAME;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return NT_ETLS_EXPIRED;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        return NT_ETLS_SELFSIGNED;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_INVALID_CA:
        return NT_ETLS_UNTRUSTED;
    default:
        return NT_ETLS_HANDSHAKE;
    }
}

/* Does the peer speak TLS at all?  A TLS stream starts with a handshake
 * (22) or an alert (21) record. */
static int peer_sent_plaintext(const nt__tls *t)
{
    return t->first_byte >= 0 && t->first_byte != 22 && t->first_byte != 21;
}

/* After an SSL call returned ret <= 0: NT_EAGAIN (and what to wait
 * for), 0 for close_notify, or the error that ends the session. */
static int session_error(nt__tls *t, int ret)
{
    int e = SSL_get_error(t->ssl, ret);
    unsigned long lib = ERR_peek_last_error();
    int reason = lib ? ERR_GET_REASON(lib) : 0;
    if (lib && !t->detail[0])
        ERR_error_string_n(lib, t->detail, sizeof t->detail);
    ERR_clear_error();
    switch (e) {
    case SSL_ERROR_WANT_READ:
        t->want = NT_EV_READ;
        return NT_EAGAIN;
    case SSL_ERROR_WANT_WRITE:
        t->want = NT_EV_WRITE;
        return NT_EAGAIN;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    default:
        break;
    }
    if (t->sys_error)
        return t->sys_error;
    if (t->handshaking) {
        if (peer_sent_plaintext(t))
            return NT_ETLS_PLAINTEXT;
        if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE ||
            reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)
            return NT_ETLS_NOCERT;
        if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
            int x = t->verify_x509 ? t->verify_x509 : X509_V_ERR_CERT_UNTRUSTED;
            t->verify_result = map_x509_error(x);
            snprintf(t->detail, sizeof t->detail, "%s", X509_verify_cert_error_string(x));
            return t->verify_result;
        }
        /* The peer went away before saying anything TLS: as a plain
         * socket would say it. */
        if (e == SSL_ERROR_SYSCALL || reason == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            return t->first_byte < 0 ? NT_EOF : NT_ECONNRESET;
        return NT_ETLS_HANDSHAKE;
    }
    /* TLS 1.3 servers judge a client's certificate after the client has
     * finished its side of the handshake: their refusal arrives as an
     * alert on the first read. */
    if (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)
        return NT_ETLS_NOCERT;
    if (reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
        reason == SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE ||
        reason == SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED ||
        reason == SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED ||
        reason == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN || reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA ||
        reason == SSL_R_TLSV1_ALERT_ACCESS_DENIED)
        return NT_ETLS_HANDSHAKE;
    /* A stream cut without close_notify could be an attacker truncating
     * it: it is a reset, never an orderly end. */
    if (e == SSL_ERROR_SYSCALL || reason == SSL_R_UNEXPECTED_EOF_WHILE_READING)
        return NT_ECONNRESET;
    return NT_EPROTO;
}

/* ---- the configuration ---- */

static int cert_sha256(X509 *x, unsigned char md[32]);
static int pinned(const nt_tls_config *cfg, const unsigned char md[32]);

/* Called for each certificate of the chain and for each problem found.
 * The first problem is kept (what the user is told); the peer's own
 * certificate is remembered even when the check fails. */
static int verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    nt__tls *t = ssl ? SSL_get_ex_data(ssl, ssl_index) : NULL;
    if (!t)
        return preverify_ok;
    X509 *leaf = X509_STORE_CTX_get0_cert(store);
    if (!t->leaf_known && leaf && cert_sha256(leaf, t->leaf_sha256)) {
        t->leaf_known = 1;
        X509_NAME_oneline(X509_get_subject_name(leaf), t->leaf_subject,
                          (int)sizeof t->leaf_subject);
    }
    if (preverify_ok)
        return 1;
    if (!t->verify_x509)
        t->verify_x509 = X509_STORE_CTX_get_error(store);
    if (t->cfg->role == NT_TLS_SERVER)
        /* A server with a CA file of its own holds client certificates
         * to it; without one any certificate is taken (for its
         * fingerprint). */
        return t->cfg->has_ca_file ? 0 : 1;
    if (t->cfg->verify == NT_TLS_VERIFY_NONE || (t->leaf_known && pinned(t->cfg, t->leaf_sha256)))
        return 1;
    return 0;
}

/* Clients keep the newest session per server name, to resume it. */
static int new_session_cb(SSL *ssl, SSL_SESSION *session)
{
    nt__tls *t = SSL_get_ex_data(ssl, ssl_index);
    if (!t || !t->server_name)
        return 0;
    nt_tls_config *cfg = t->cfg;
    nt_mutex_lock(cfg->lock);
    cached_session *slot = NULL;
    for (size_t i = 0; i < SESSION_CACHE; i++) {
        if (cfg->sessions[i].name && strcmp(cfg->sessions[i].name, t->server_name) == 0)
            slot = &cfg->sessions[i];
    }
    if (!slot) {
        slot = &cfg->sessions[cfg->next_session];
        cfg->next_session = (cfg->next_session + 1) % SESSION_CACHE;
        free(slot->name);
        slot->name = NULL;
        size_t n = strlen(t->server_name) + 1;
        slot->name = malloc(n);
        if (slot->name)
            memcpy(slot->name, t->server_name, n);
    }
    if (slot->session)
        SSL_SESSION_free(slot->session);
    slot->session = slot->name ? session : NULL;
    nt_mutex_unlock(cfg->lock);
    return slot->session ? 1 : 0; /* 1: we keep the reference */
}

int nt_tls_config_new(nt_tls_role role, nt_tls_config **out)
{
    if (!out || (role != NT_TLS_CLIENT && role != NT_TLS_SERVER))
        return NT_EINVAL;
    int rc = tls_global_init();
    if (rc != NT_OK)
        return rc;
    nt_tls_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return NT_ENOMEM;
    cfg->role = role;
    cfg->refs = 1;
    cfg->handshake_ms = DEFAULT_HANDSHAKE_MS;
    if (nt_mutex_new(&cfg->lock) != NT_OK) {
        free(cfg);
        return NT_ENOMEM;
    }
    cfg->ctx = SSL_CTX_new(role == NT_TLS_SERVER ? TLS_server_method() : TLS_client_method());
    if (!cfg->ctx) {
        nt_tls_config_unref(cfg);
        return NT_ETLS_CONFIG;
    }
    SSL_CTX_set_min_proto_version(cfg->ctx, TLS1_2_VERSION);
    /* Partial and moved writes: the output queue offers the same bytes
     * again after a short write, from wherever they now start.  Idle
     * sessions give their buffers back. */
    SSL_CTX_set_mode(cfg->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                                   SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                   SSL_MODE_RELEASE_BUFFERS);
    if (role == NT_TLS_CLIENT) {
        SSL_CTX_set_verify(cfg->ctx, SSL_VERIFY_PEER, verify_cb);
        SSL_CTX_set_session_cache_mode(cfg->ctx,
                                       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(cfg->ctx, new_session_cb);
        /* Reading the system's CA bundle takes tens of milliseconds: only
         * when a session needs it, and never when a CA file replaces it. */
        cfg->roots_pending = 1;
    } else {
        static const unsigned char sid[] = "natter";
        SSL_CTX_set_session_id_context(cfg->ctx, sid, sizeof sid - 1);
        /* One resumption ticket per handshake (OpenSSL sends two): a
         * client reconnects with one, and each costs the server an
         * encryption and a record. */
        SSL_CTX_set_num_tickets(cfg->ctx, 1);
        SSL_CTX_set_verify(cfg->ctx, SSL_VERIFY_NONE, NULL);
    }
    ERR_clear_error();
    *out = cfg;
    return NT_OK;
}

nt_tls_config *nt_tls_config_ref(nt_tls_config *cfg)
{
    if (cfg) {
        nt_mutex_lock(cfg->lock);
        cfg->refs++;
        nt_mutex_unlock(cfg->lock);
    }
    return cfg;
}

void nt_tls_config_unref(nt_tls_config *cfg)
{
    if (!cfg)
        return;
    nt_mutex_lock(cfg->lock);
    int last = --cfg->refs == 0;
    nt_mutex_unlock(cfg->lock);
    if (!last)
        return;
    for (size_t i = 0; i < SESSION_CACHE; i++) {
        free(cfg->sessions[i].name);
        if (cfg->sessions[i].session)
            SSL_SESSION_free(cfg->sessions[i].session);
    }
    SSL_CTX_free(cfg->ctx);
    nt_mutex_free(cfg->lock);
    free(cfg);
}

const char *nt_tls_config_error(const nt_tls_config *cfg)
{
    return cfg ? cfg->error : "";
}

static FILE *open_pem(nt_tls_config *cfg, const char *path, int *rc)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *rc = errno == ENOENT ? NT_ENOENT : errno == EACCES ? NT_EACCES : NT_ETLS_CONFIG;
        if (cfg)
            snprintf(cfg->error, sizeof cfg->error, "%s: %s", path, strerror(errno));
    }
    return f;
}

/* The certificate chain of a PEM file: the first is the leaf. */
static int read_chain(nt_tls_config *cfg, const char *path, X509 **leaf, STACK_OF(X509) **chain)
{
    int rc = NT_OK;
    FILE *f = open_pem(cfg, path, &rc);
    if (!f)
        return rc;
    *leaf = PEM_read_X509(f, NULL, NULL, NULL);
    *chain = sk_X509_new_null();
    X509 *extra;
    while (*leaf && *chain && (extra = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(*chain, extra))
            X509_free(extra);
    }
    fclose(f);
    ERR_clear_error(); /* the end of the file reads as an error */
    if (!*leaf || !*chain) {
        set_error(cfg, path, "no PEM certificate in it");
        X509_free(*leaf);
        sk_X509_pop_free(*chain, X509_free);
        *leaf = NULL;
        *chain = NULL;
        return NT_ETLS_CONFIG;
    }
    return NT_OK;
}

int nt_tls_config_set_certificate(nt_tls_config *cfg, const char *cert_pem_path,
                                  const char *key_pem_path)
{
    if (!cfg || !cert_pem_path || !key_pem_path)
        return NT_EINVAL;
    X509 *leaf = NULL;
    STACK_OF(X509) *chain = NULL;
    int rc = read_chain(cfg, cert_pem_path, &leaf, &chain);
    if (rc != NT_OK)
        return rc;
    FILE *f = open_pem(cfg, key_pem_path, &rc);
    EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (f && !key) {
        set_error(cfg, key_pem_path, "no PEM private key in it (or it is encrypted)");
        rc = NT_ETLS_CONFIG;
    } else if (key && !X509_check_private_key(leaf, key)) {
        set_error(cfg, key_pem_path, "the key does not belong to the certificate");
        rc = NT_ETLS_CONFIG;
    } else if (key && !SSL_CTX_use_cert_and_key(cfg->ctx, leaf, key, chain, 1)) {
        set_error(cfg, cert_pem_path, "the TLS library refused the certificate");
        rc = NT_ETLS_CONFIG;
    }
    EVP_PKEY_free(key);
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    if (rc == NT_OK)
        cfg->error[0] = '\0';
    return rc;
}

int nt_tls_config_set_ca_file(nt_tls_config *cfg, const char *ca_pem_path)
{
    if (!cfg || !ca_pem_path)
        return NT_EINVAL;
    int rc = NT_OK;
    FILE *f = open_pem(cfg, ca_pem_path, &rc);
    if (!f)
        return rc;
    X509_STORE *store = X509_STORE_new();
    size_t n = 0;
    X509 *x;
    while (store && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(store, x))
            n++;
        X509_free(x);
    }
    fclose(f);
    ERR_clear_error();
    if (!store || n == 0) {
        X509_STORE_free(store);
        set_error(cfg, ca_pem_path, "no PEM certificate in it");
        return NT_ETLS_CONFIG;
    }
    nt_mutex_lock(cfg->lock);
    SSL_CTX_set_cert_store(cfg->ctx, store); /* frees the old store */
    cfg->has_ca_file = 1;
    cfg->roots_pending = 0;
    nt_mutex_unlock(cfg->lock);
    cfg->error[0] = '\0';
    return NT_OK;
}

int nt_tls_config_set_verify(nt_tls_config *cfg, nt_tls_verify mode)
{
    if (!cfg || mode < NT_TLS_VERIFY_DEFAULT || mode > NT_TLS_VERIFY_REQUIRED)
        return NT_EINVAL;
    if (cfg->role == NT_TLS_CLIENT && mode > NT_TLS_VERIFY_NONE)
        return NT_EINVAL;
    cfg->verify = mode;
    if (cfg->role == NT_TLS_SERVER) {
        int flags = SSL_VERIFY_NONE;
        if (mode == NT_TLS_VERIFY_OPTIONAL)
            flags = SSL_VERIFY_PEER;
        else if (mode == NT_TLS_VERIFY_REQUIRED)
            flags = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        SSL_CTX_set_verify(cfg->ctx, flags, flags == SSL_VERIFY_NONE ? NULL : verify_cb);
    }
    return NT_OK;
}

static int hex_value(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

int nt_tls_config_pin(nt_tls_config *cfg, const char *sha256_hex)
{
    if (!cfg || !sha256_hex)
        return NT_EINVAL;
    unsigned char fp[32];
    size_t n = 0;
    for (const char *p = sha256_hex; *p; p++) {
        if (*p == ':')
            continue;
        int hi = hex_value((unsigned char)p[0]);
        int lo = p[1] ? hex_value((unsigned char)p[1]) : -1;
        if (hi < 0 || lo < 0 || n == sizeof fp)
            return NT_EINVAL;
        fp[n++] = (unsigned char)(hi << 4 | lo);
        p++;
    }
    if (n != sizeof fp)
        return NT_EINVAL;
    if (cfg->npins == MAX_PINS)
        return NT_ENOBUFS;
    memcpy(cfg->pins[cfg->npins++], fp, sizeof fp);
    return NT_OK;
}

int nt_tls_config_set_handshake_timeout(nt_tls_config *cfg, uint64_t ms)
{
    if (!cfg)
        return NT_EINVAL;
    cfg->handshake_ms = ms;
    return NT_OK;
}

/* ---- fingerprints and certificates ---- */

static int cert_sha256(X509 *x, unsigned char md[32])
{
    unsigned int n = 0;
    return x && X509_digest(x, EVP_sha256(), md, &n) && n == 32;
}

static void to_hex(const unsigned char *md, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[2 * n] = '\0';
}

int nt_tls_fingerprint_file(const char *cert_pem_path, char *out)
{
    if (!cert_pem_path || !out)
        return NT_EINVAL;
    out[0] = '\0';
    int rc = NT_OK;
    FILE *f = open_pem(NULL, cert_pem_path, &rc);
    if (!f)
        return rc;
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    ERR_clear_error();
    unsigned char md[32];
    if (!cert_sha256(x, md)) {
        X509_free(x);
        return NT_ETLS_CONFIG;
    }
    X509_free(x);
    to_hex(md, sizeof md, out);
    return NT_OK;
}

static int add_san(X509 *x, const char *host)
{
    char value[300];
    /* An address is named as one (IP:), anything else as a DNS name. */
    int is_ip = strchr(host, ':') != NULL || (strspn(host, "0123456789.") == strlen(host));
    snprintf(value, sizeof value, "%s:%s", is_ip ? "IP" : "DNS", host);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, value);
    if (!ext)
        return 0;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

int nt_tls_make_self_signed(const char *host, unsigned days, const char *cert_pem_path,
                            const char *key_pem_path)
{
    if (!host || !host[0] || strlen(host) > 253 || days == 0 || days > 36500 || !cert_pem_path ||
        !key_pem_path)
        return NT_EINVAL;
    int rc = tls_global_init();
    if (rc != NT_OK)
        return rc;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    ASN1_INTEGER *serial = ASN1_INTEGER_new();
    unsigned char rnd[16];
    BIGNUM *bn = NULL;
    rc = NT_ETLS_CONFIG;
    if (key && x && serial && RAND_bytes(rnd, sizeof rnd) == 1) {
        rnd[0] &= 0x7f; /* a positive serial */
        bn = BN_bin2bn(rnd, sizeof rnd, NULL);
        X509_NAME *name = X509_get_subject_name(x);
        if (bn && BN_to_ASN1_INTEGER(bn, serial) && X509_set_version(x, 2) &&
            X509_set_serialNumber(x, serial) && X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
            X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)host, -1,
                                       -1, 0) &&
            X509_set_issuer_name(x, name) && X509_set_pubkey(x, key) && add_san(x, host) &&
            X509_sign(x, key, EVP_sha256()))
            rc = NT_OK;
    }
    if (rc == NT_OK) {
        FILE *kf = nt__sys_create_private_file(key_pem_path);
        if (!kf) {
            rc = errno == EACCES ? NT_EACCES : NT_ENOENT;
        } else {
            if (!PEM_write_PrivateKey(kf, key, NULL, NULL, 0, NULL, NULL))
                rc = NT_ETLS_CONFIG;
            if (fclose(kf) != 0)
                rc = NT_ETLS_CONFIG;
        }
    }
    if (rc == NT_OK) {
        FILE *cf = fopen(cert_pem_path, "wb");
        if (!cf) {
            rc = errno == EACCES ? NT_EACCES : NT_ENOENT;
        } else {
            if (!PEM_write_X509(cf, x))
                rc = NT_ETLS_CONFIG;
            if (fclose(cf) != 0)
                rc = NT_ETLS_CONFIG;
        }
    }
    ERR_clear_error();
    BN_free(bn);
    ASN1_INTEGER_free(serial);
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

/* ---- one session ---- */

int nt__tls_new(nt_tls_config *cfg, const char *server_name, nt__tls **out)
{
    if (!cfg || (cfg->role == NT_TLS_SERVER) != (server_name == NULL))
        return NT_EINVAL;
    if (cfg->role == NT_TLS_CLIENT) {
        nt_mutex_lock(cfg->lock);
        int rc = cfg->roots_pending ? nt__tls_load_system_roots(cfg->ctx) : NT_OK;
        if (rc == NT_OK)
            cfg->roots_pending = 0;
        nt_mutex_unlock(cfg->lock);
        if (rc != NT_OK)
            return rc;
    }
    nt__tls *t = calloc(1, sizeof *t);
    if (!t)
        return NT_ENOMEM;
    t->fd = NT_INVALID_OS_SOCK;
    t->first_byte = -1;
    t->handshaking = 1;
    t->cfg = nt_tls_config_ref(cfg);
    t->ssl = SSL_new(cfg->ctx);
    t->bio = BIO_new(bio_method);
    if (server_name) {
        size_t n = strlen(server_name) + 1;
        t->server_name = malloc(n);
        if (t->server_name)
            memcpy(t->server_name, server_name, n);
    }
    if (!t->ssl || !t->bio || (server_name && !t->server_name)) {
        BIO_free(t->bio);
        t->bio = NULL;
        nt__tls_free(t);
        ERR_clear_error();
        return NT_ENOMEM;
    }
    BIO_set_data(t->bio, t);
    BIO_set_init(t->bio, 1);
    SSL_set_bio(t->ssl, t->bio, t->bio); /* the SSL owns the BIO now */
    SSL_set_ex_data(t->ssl, ssl_index, t);
    if (cfg->role == NT_TLS_SERVER) {
        SSL_set_accept_state(t->ssl);
    } else {
        SSL_set_connect_state(t->ssl);
        int ok = 1;
        /* An address is checked as an address and sent without SNI
         * (RFC 6066 allows only host names there). */
        X509_VERIFY_PARAM *param = SSL_get0_param(t->ssl);
        if (X509_VERIFY_PARAM_set1_ip_asc(param, server_name) != 1) {
            ERR_clear_error();
            ok = SSL_set_tlsext_host_name(t->ssl, server_name) == 1 &&
                 SSL_set1_host(t->ssl, server_name) == 1;
        }
        nt_mutex_lock(cfg->lock);
        for (size_t i = 0; i < SESSION_CACHE; i++) {
            cached_session *cs = &cfg->sessions[i];
            if (cs->name && cs->session && strcmp(cs->name, server_name) == 0)
                SSL_set_session(t->ssl, cs->session);
        }
        nt_mutex_unlock(cfg->lock);
        ERR_clear_error();
        if (!ok) {
            nt__tls_free(t);
            return NT_EINVAL;
        }
    }
    *out = t;
    return NT_OK;
}

void nt__tls_set_fd(nt__tls *t, nt_os_sock fd)
{
    t->fd = fd;
}

void nt__tls_free(nt__tls *t)
{
    if (!t)
        return;
    SSL_free(t->ssl);
    nt_tls_config_unref(t->cfg);
    free(t->server_name);
    free(t);
}

int nt__tls_handshaking(const nt__tls *t)
{
    return t->handshaking;
}

uint64_t nt__tls_handshake_timeout(const nt__tls *t)
{
    return t->cfg->handshake_ms;
}

int nt__tls_wants(const nt__tls *t)
{
    return t->want;
}

int nt__tls_pending(const nt__tls *t)
{
    return SSL_has_pending(t->ssl);
}

static int pinned(const nt_tls_config *cfg, const unsigned char md[32])
{
    for (size_t i = 0; i < cfg->npins; i++) {
        if (memcmp(cfg->pins[i], md, 32) == 0)
            return 1;
    }
    return 0;
}

/* What verification said, once the handshake is through (a pin or
 * NT_TLS_VERIFY_NONE let it pass); a client without the server's
 * certificate never gets here with certificates required. */
static int judge_peer(nt__tls *t)
{
    X509 *peer = SSL_get0_peer_certificate(t->ssl);
    int x = t->verify_x509 ? t->verify_x509 : (int)SSL_get_verify_result(t->ssl);
    if (t->cfg->role == NT_TLS_SERVER && !peer)
        x = X509_V_OK; /* no client certificate: nothing to verify */
    t->verify_result = map_x509_error(x);
    if (x != X509_V_OK)
        snprintf(t->detail, sizeof t->detail, "%s", X509_verify_cert_error_string(x));
    if (t->cfg->role == NT_TLS_CLIENT && !peer && t->cfg->verify != NT_TLS_VERIFY_NONE)
        return NT_ETLS_HANDSHAKE; /* no certificate at all: never accepted */
    return NT_OK;
}

int nt__tls_handshake(nt__tls *t)
{
    if (!t->handshaking)
        return NT_OK;
    ERR_clear_error();
    t->sys_error = 0;
    int ret = SSL_do_handshake(t->ssl);
    if (ret != 1) {
        int rc = session_error(t, ret);
        return rc == 0 ? NT_ETLS_HANDSHAKE : rc;
    }
    t->handshaking = 0;
    return judge_peer(t);
}

ptrdiff_t nt__tls_read(nt__tls *t, void *buf, size_t len)
{
    if (len > INT_MAX)
        len = INT_MAX;
    ERR_clear_error();
    t->sys_error = 0;
    int ret = SSL_read(t->ssl, buf, (int)len);
    if (ret > 0)
        return ret;
    return session_error(t, ret);
}

ptrdiff_t nt__tls_writev(nt__tls *t, const nt__iov *iov, int count)
{
    /* One record's worth per call: a large first piece goes as it is, a
     * run of small ones (IRC lines) is gathered into one record, one
     * send().  After NT_EAGAIN the queue offers the same bytes again. */
    char gather[RECORD_MAX];
    const char *data;
    size_t len;
    if (count > 0 && iov[0].len >= RECORD_MAX) {
        data = iov[0].base;
        len = RECORD_MAX;
    } else {
        len = 0;
        for (int i = 0; i < count && len < RECORD_MAX; i++) {
            size_t take = iov[i].len < RECORD_MAX - len ? iov[i].len : RECORD_MAX - len;
            memcpy(gather + len, iov[i].base, take);
            len += take;
        }
        data = gather;
    }
    if (len == 0)
        return 0;
    ERR_clear_error();
    t->sys_error = 0;
    int ret = SSL_write(t->ssl, data, (int)len);
    if (ret > 0)
        return ret;
    int rc = session_error(t, ret);
    return rc == 0 ? NT_ECONNRESET : rc;
}

void nt__tls_close_notify(nt__tls *t)
{
    if (t->handshaking || t->closed_notify || t->fd == NT_INVALID_OS_SOCK)
        return;
    t->closed_notify = 1;
    ERR_clear_error();
    (void)SSL_shutdown(t->ssl);
    ERR_clear_error();
}

void nt__tls_info(const nt__tls *t, nt_tls_info *out)
{
    memset(out, 0, sizeof *out);
    out->handshake_done = !t->handshaking;
    out->verify_result = t->verify_result;
    snprintf(out->verify_detail, sizeof out->verify_detail, "%s", t->detail);
    /* What the verifier saw (also after a failed check), else the
     * session's peer (a server asking for no client certificate). */
    X509 *peer = SSL_get0_peer_certificate(t->ssl);
    unsigned char md[32];
    if (t->leaf_known) {
        to_hex(t->leaf_sha256, sizeof t->leaf_sha256, out->peer_fingerprint);
        snprintf(out->peer_subject, sizeof out->peer_subject, "%s", t->leaf_subject);
    } else if (cert_sha256(peer, md)) {
        to_hex(md, sizeof md, out->peer_fingerprint);
        X509_NAME_oneline(X509_get_subject_name(peer), out->peer_subject,
                          (int)sizeof out->peer_subject);
    }
    if (!t->handshaking) {
        snprintf(out->protocol, sizeof out->protocol, "%s", SSL_get_version(t->ssl));
        const char *cipher = SSL_get_cipher_name(t->ssl);
        snprintf(out->cipher, sizeof out->cipher, "%s", cipher ? cipher : "");
        out->resumed = SSL_session_reused(t->ssl) == 1;
    }
}
