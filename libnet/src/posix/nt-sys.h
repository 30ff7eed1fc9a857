/* SPDX-License-Identifier: MIT */
/* POSIX: the socket headers every platform-neutral source needs. */
#ifndef NT_SYS_POSIX_H
#define NT_SYS_POSIX_H

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <natter/platform.h>

typedef socklen_t nt__socklen;

#endif
