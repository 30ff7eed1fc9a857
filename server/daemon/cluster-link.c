/* SPDX-License-Identifier: MIT */
/* The cluster link (cluster-link.h); being written. */
#include "cluster-link.h"
