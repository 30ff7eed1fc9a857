/* SPDX-License-Identifier: MIT */
/* natter's TLS rules in one place, with no state: which servers get TLS
 * by default and on which port, how a server's IRCv3 "sts" capability
 * value reads, and how a certificate that failed verification is
 * explained to a person (NcTlsProblem).  The stored side (pins, STS
 * policies) is NcTrustStore in trust.h. */
#ifndef NC_TLS_POLICY_H
#define NC_TLS_POLICY_H

#include <glib.h>

G_BEGIN_DECLS

/** The IRC port for plain text, and the one for TLS (RFC 7194). */
#define NC_PORT_PLAIN 6667
#define NC_PORT_TLS 6697

/**
 * Is host this computer: "localhost" (or a name under .localhost), an
 * address in 127.0.0.0/8, or ::1?  Those default to plain text: the
 * traffic never leaves the machine, and local servers rarely have TLS.
 */
gboolean nc_host_is_local(const char *host);

/** Whether a server gets TLS when nobody said: TRUE unless it is local. */
gboolean nc_tls_default_for(const char *host);

/** The port to use when none was given: 6697 with TLS, 6667 without. */
guint16 nc_default_port(gboolean tls);

/**
 * Read the "sts" capability out of a CAP LS list ("multi-prefix
 * sts=port=6697,duration=300 server-time").  Unknown keys (preload) are
 * ignored; a port out of range counts as absent.
 * @param port receives the port= value, 0 when absent
 * @param duration receives the duration= value in seconds, -1 when absent
 * @return TRUE when the list offers sts at all
 */
gboolean nc_sts_parse(const char *cap_list, guint16 *port, gint64 *duration);

/**
 * A SHA-256 fingerprint (64 hex digits, any case, ':' allowed) in a
 * canonical form: lower-case hex, no separators.
 * @return a newly allocated string, or NULL when fp is not a fingerprint
 */
char *nc_fingerprint_normalize(const char *fp);

/**
 * A fingerprint for people to compare by eye: upper-case groups of four
 * digits, eight groups a line ("3F2A 91C0 ...\n...").
 * @return a newly allocated string ("" for an empty fingerprint)
 */
char *nc_fingerprint_format(const char *fp);

/** Why natter refused a server's certificate. */
typedef struct {
    int code;   /* the NT_ETLS_* verification gave; NT_OK when the
                   certificate verified but is not the one pinned */
    char *host; /* the server as the user named it */
    guint16 port;
    char *fingerprint; /* SHA-256 of the certificate offered, lower-case hex */
    char *detail;      /* the verifier's own words, or "" */
    gboolean changed;  /* a certificate was pinned for host, and this is another */
} NcTlsProblem;

/** A problem record; every string is copied. */
NcTlsProblem *nc_tls_problem_new(int code, const char *host, guint16 port, const char *fingerprint,
                                 const char *detail, gboolean changed);

/** Free a problem record (NULL is accepted). */
void nc_tls_problem_free(NcTlsProblem *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NcTlsProblem, nc_tls_problem_free)

/**
 * One sentence saying what failed, in words, naming the host
 * ("The certificate of irc.example.org changed since you trusted it").
 * @return a newly allocated string
 */
char *nc_tls_problem_headline(const NcTlsProblem *p);

/**
 * What it means and what to do, a few sentences: why natter stopped,
 * what trusting the certificate does.
 * @return a newly allocated string
 */
char *nc_tls_problem_advice(const NcTlsProblem *p);

/**
 * Headline, advice, the verifier's detail and the grouped fingerprint as
 * one text, for the server tab and logs.
 * @return a newly allocated string
 */
char *nc_tls_problem_describe(const NcTlsProblem *p);

G_END_DECLS
#endif
