/* SPDX-License-Identifier: MIT */
/* The PROXY protocol (proxy.h); being written. */
#include "proxy.h"
