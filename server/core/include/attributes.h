/* SPDX-License-Identifier: MIT */
/*
 * Compiler attributes shared by the core.  SRV_PRINTF names gnu_printf on
 * GCC because plain "printf" means the MSVC runtime's dialect to GCC for
 * mingw targets (no %zu there), while the build asks for the C99 stdio
 * everywhere (__USE_MINGW_ANSI_STDIO on Windows).
 */
#ifndef NATTERD_ATTRIBUTES_H
#define NATTERD_ATTRIBUTES_H

#if defined(__GNUC__) && !defined(__clang__)
#define SRV_PRINTF(fmt_index, first_arg) __attribute__((format(gnu_printf, fmt_index, first_arg)))
#elif defined(__clang__)
#define SRV_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define SRV_PRINTF(fmt_index, first_arg)
#endif

#endif
