/* SPDX-License-Identifier: MIT */
/* Checks the core suites share: what an input line parses to, and
 * natter's settings schema from the build folder on a chosen backend. */
#ifndef NC_TEST_CHECKS_H
#define NC_TEST_CHECKS_H

#include "input.h"

#include <gio/gio.h>

/* line parses (CUnit asserts) to kind with target and text (NULL: none). */
void nc_test_check_cmd(const char *line, NcCommandKind kind, const char *target, const char *text);

/* line is bad use (CUnit asserts); with usage, the error says exactly that. */
void nc_test_check_usage(const char *line, const char *usage);

/* org.natter.Natter from the schema compiled in schema_dir, kept by
 * backend (a reference is taken); NULL when the schema is not there. */
GSettings *nc_test_settings(const char *schema_dir, GSettingsBackend *backend);

#endif
