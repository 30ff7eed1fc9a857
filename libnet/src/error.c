/* SPDX-License-Identifier: MIT */
/* The error table's text and names, and the per-thread raw OS error. */
#include <natter/error.h>

#include "sys.h"

static _Thread_local int last_os_error;

const char *nt_strerror(int code)
{
    switch (code) {
#define NT__ERROR_TEXT(name, value, text) \
    case NT_##name:                       \
        return text;
        NT_ERROR_TABLE(NT__ERROR_TEXT)
#undef NT__ERROR_TEXT
    }
    return code > 0 ? "not an error (a count)" : "unknown error code";
}

const char *nt_err_name(int code)
{
    switch (code) {
#define NT__ERROR_NAME(name, value, text) \
    case NT_##name:                       \
        return "NT_" #name;
        NT_ERROR_TABLE(NT__ERROR_NAME)
#undef NT__ERROR_NAME
    }
    return "NT_E?";
}

int nt_err_is_disconnect(int code)
{
    return code == NT_EOF || code == NT_ECONNRESET;
}

int nt_last_os_error(void)
{
    return last_os_error;
}

void nt__set_os_error(int os_error)
{
    last_os_error = os_error;
}
