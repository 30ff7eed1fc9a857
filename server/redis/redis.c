/* SPDX-License-Identifier: MIT */
/* The Redis client (redis.h); being written. */
#include "redis.h"
