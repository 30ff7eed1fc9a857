/* SPDX-License-Identifier: MIT */
/* What TLS needs from POSIX systems: the trusted certificates the system
 * keeps (the TLS library's default paths: /etc/ssl/certs on Debian, set
 * by ca-certificates) and private key files only their owner can read. */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tls-internal.h"

int nt__tls_platform_init(void)
{
    /* OpenSSL reads the system's openssl.cnf as usual: that is where a
     * distribution sets its crypto policy (minimum versions, ciphers). */
    return NT_OK;
}

int nt__tls_load_system_roots(void *ssl_ctx)
{
    int ok = SSL_CTX_set_default_verify_paths(ssl_ctx);
    ERR_clear_error();
    return ok ? NT_OK : NT_ETLS_CONFIG;
}

void *nt__sys_create_private_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0)
        return NULL;
    /* An existing file keeps its mode through O_CREAT: narrow it. */
    if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f)
        close(fd);
    return f;
}
