/* SPDX-License-Identifier: MIT */
#include "fake-store.h"

#include "store-sqlite.h"

#include <CUnit/CUnit.h>
#include <stdio.h>

srv_store *fake_open_store(const char *path)
{
    char err[256];
    srv_store *st = srv_store_sqlite_open(path, NULL, err, sizeof err);
    if (!st)
        printf("\n  %s\n", err);
    CU_ASSERT_FATAL(st != NULL);
    return st;
}

srv_server *fake_server_with_store(const char *path, const char *conf)
{
    srv_config cfg;
    char err[256], text[1024];
    fake_config(&cfg);
    snprintf(text, sizeof text, "[accounts]\npassword_iterations = 4096\n%s", conf ? conf : "");
    int rc = srv_config_parse(&cfg, text, "test", err, sizeof err);
    if (rc != 0)
        printf("\n  %s\n", err);
    CU_ASSERT_FATAL(rc == 0);
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);
    if (path)
        CU_ASSERT_FATAL(srv_server_set_store(s, fake_open_store(path), err, sizeof err) == 0);
    return s;
}
