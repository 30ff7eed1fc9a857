/* SPDX-License-Identifier: MIT */
/* What TLS needs from Windows: the trusted root certificates are the
 * system's certificate store ("ROOT", what Windows itself trusts), copied
 * into the TLS library's store; and key files (whose permissions follow
 * the folder they are in, as Windows has it). */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* After OpenSSL: <wincrypt.h> names macros OpenSSL's headers use too. */
#include <windows.h>
#include <wincrypt.h>

#include <stdio.h>

#include "../tls-internal.h"

int nt__tls_platform_init(void)
{
    /* Windows has no system openssl.cnf, and the compiled-in path (or
     * %OPENSSL_CONF%) is not one the user of a natter program expects to
     * change its TLS settings: never read it. */
    return OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) == 1 ? NT_OK : NT_ETLS_CONFIG;
}

int nt__tls_load_system_roots(void *ssl_ctx)
{
    X509_STORE *store = SSL_CTX_get_cert_store(ssl_ctx);
    HCERTSTORE sys = CertOpenSystemStoreW(0, L"ROOT");
    if (!store || !sys)
        return NT_ETLS_CONFIG;
    PCCERT_CONTEXT cert = NULL;
    while ((cert = CertEnumCertificatesInStore(sys, cert)) != NULL) {
        const unsigned char *der = cert->pbCertEncoded;
        X509 *x = d2i_X509(NULL, &der, (long)cert->cbCertEncoded);
        if (x) {
            /* A certificate already present is not an error worth
             * stopping for. */
            X509_STORE_add_cert(store, x);
            X509_free(x);
        }
    }
    CertCloseStore(sys, 0);
    ERR_clear_error();
    return NT_OK;
}

void *nt__sys_create_private_file(const char *path)
{
    return fopen(path, "wb");
}
