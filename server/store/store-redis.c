/* SPDX-License-Identifier: MIT */
/* The Redis store (store-redis.h); being written. */
#include "store-redis.h"
