/* SPDX-License-Identifier: MIT */
/*
 * What every example needs and none of them is about: the program's name
 * for messages, turning "host:port" text into an address, printing the
 * address a server listens on, and giving up with a clear message.
 *
 * The socket calls themselves are written out in each example; only this
 * plumbing is shared.
 */
#ifndef NATTER_EXAMPLES_COMMON_H
#define NATTER_EXAMPLES_COMMON_H

#include <stdio.h>

#include <natter/net.h>

/* Exit statuses of the examples. */
#define EX_FAILED 1 /* a network call failed */
#define EX_USAGE 2  /* bad command line */

/*
 * Call first: remembers the program name and makes standard output
 * unbuffered, so what a program prints appears at once even when its
 * output is a pipe (a test reads it while the program runs; on Windows
 * a line-buffered pipe would be fully buffered).
 */
void ex_init(const char *argv0);

/* The program name given to ex_init(), for messages. */
const char *ex_name(void);

/* Print "NAME: WHAT: <error text> (NT_E...)" on stderr and exit(EX_FAILED). */
_Noreturn void ex_fail(const char *what, int code);

/* Print "usage: NAME ARGS" on stderr and exit(EX_USAGE). */
_Noreturn void ex_usage(const char *args);

/*
 * Turn "host:port", "[v6addr]:port" or a bare "host" (the port then comes
 * from default_text) into one address for a socket of the given type
 * (NT_SOCK_STREAM or NT_SOCK_DGRAM).  Host names are looked up.  Exits
 * with a message when the text is not an address or the name is unknown.
 */
void ex_address(const char *text, const char *default_text, nt_socktype type, nt_addr *out);

/* Print "listening on HOST:PORT" (the real port when port 0 was asked). */
void ex_print_listening(const nt_socket *s);

/* Parse a positive count for an option such as "-n 3"; exits when bad. */
long ex_count(const char *option, const char *text);

/*
 * Read one line of standard input into buf without its line ending.
 * Returns 1, or 0 at end of input.  A line longer than buf is cut into
 * pieces of len - 1 bytes.
 */
int ex_read_line(char *buf, size_t len);

#endif
