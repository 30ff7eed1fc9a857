/* SPDX-License-Identifier: MIT */
/*
 * A fake-transport server with a real SQLite store (accounts, channel
 * registrations, history): the suites that need one share this.
 */
#ifndef NATTERD_TEST_FAKE_STORE_H
#define NATTERD_TEST_FAKE_STORE_H

#include "fake-transport.h"

/**
 * A server on the fake clocks with the store at path (":memory:", a
 * file, or NULL for none); conf is added to fake_config() after
 * "[accounts] password_iterations = 4096" (quick inline hashing).  A
 * configuration or store that fails fails the test (CU_ASSERT_FATAL).
 */
srv_server *fake_server_with_store(const char *path, const char *conf);

/** Open the SQLite store at path, failing the test when it cannot be. */
srv_store *fake_open_store(const char *path);

#endif
