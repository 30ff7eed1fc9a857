/* SPDX-License-Identifier: MIT */
/* Windows: the Winsock headers every platform-neutral source needs. */
#ifndef NT_SYS_WIN32_H
#define NT_SYS_WIN32_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <afunix.h>
#include <windows.h>

#include <natter/platform.h>

typedef int nt__socklen;

#endif
