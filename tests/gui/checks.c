/* SPDX-License-Identifier: MIT */
#include "checks.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

void nc_test_check_cmd(const char *line, NcCommandKind kind, const char *target, const char *text)
{
    NcCommand cmd;
    g_autoptr(GError) error = NULL;
    gboolean ok = nc_command_parse(line, &cmd, &error);
    CU_ASSERT(ok);
    if (!ok) {
        fprintf(stderr, "%s: %s\n", line, error->message);
        return;
    }
    if (cmd.kind != kind || g_strcmp0(cmd.target, target) != 0 || g_strcmp0(cmd.text, text) != 0)
        fprintf(stderr, "%s: kind %d target %s text %s\n", line, (int)cmd.kind,
                cmd.target ? cmd.target : "(null)", cmd.text ? cmd.text : "(null)");
    CU_ASSERT_EQUAL(cmd.kind, kind);
    CU_ASSERT_STRING_EQUAL(cmd.target ? cmd.target : "(null)", target ? target : "(null)");
    CU_ASSERT_STRING_EQUAL(cmd.text ? cmd.text : "(null)", text ? text : "(null)");
    nc_command_clear(&cmd);
}

void nc_test_check_usage(const char *line, const char *usage)
{
    NcCommand cmd;
    g_autoptr(GError) error = NULL;
    CU_ASSERT_FALSE(nc_command_parse(line, &cmd, &error));
    CU_ASSERT_PTR_NOT_NULL(error);
    if (error && usage && strcmp(error->message, usage) != 0)
        fprintf(stderr, "%s: \"%s\", not \"%s\"\n", line, error->message, usage);
    if (usage)
        CU_ASSERT(error && strcmp(error->message, usage) == 0);
    nc_command_clear(&cmd);
}

GSettings *nc_test_settings(const char *schema_dir, GSettingsBackend *backend)
{
    GSettingsSchemaSource *def = g_settings_schema_source_get_default();
    g_autoptr(GSettingsSchemaSource) src =
        g_settings_schema_source_new_from_directory(schema_dir, def, FALSE, NULL);
    if (!src)
        return NULL;
    g_autoptr(GSettingsSchema) schema =
        g_settings_schema_source_lookup(src, "org.natter.Natter", FALSE);
    if (!schema)
        return NULL;
    return g_settings_new_full(schema, backend, NULL);
}
