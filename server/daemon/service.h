/* SPDX-License-Identifier: MIT */
/*
 * Running natterd under the operating system's service manager.  On
 * Windows (win32/service.c) natterd registers itself with the Service
 * Control Manager and runs as a service; elsewhere (server/daemon/service-none.c)
 * these are no-ops and systemd or another supervisor runs natterd as an
 * ordinary foreground process.
 */
#ifndef NATTERD_SERVICE_H
#define NATTERD_SERVICE_H

#include <natter/loop.h>

/** natterd's real entry point, called directly or from the service. */
typedef int (*srv_main_fn)(int argc, char **argv);

/**
 * The process entry: handles the service commands (--service-install,
 * --service-uninstall, --service-start, --service-stop, and --service,
 * which the service manager uses to start it) and otherwise calls run.
 * @return the process exit status
 */
int srv_service_main(int argc, char **argv, srv_main_fn run);

/** Is natterd running as a service (so it logs to a file, not a console)? */
int srv_service_active(void);

/** Where the service logs (NULL when not a service). */
const char *srv_service_log_path(void);

/**
 * Where the service manager gives natterd room for its database when the
 * configuration names no [store] directory: systemd's StateDirectory=
 * ($STATE_DIRECTORY, /var/lib/natterd for the packaged unit), or
 * %ProgramData%\Natter for the Windows service.  NULL otherwise: run by
 * hand, natterd keeps nothing unless told where.
 */
const char *srv_service_state_dir(void);

/**
 * Tell the service manager natterd is running, and where its stop and
 * reload requests go (posted to loop as stop(data) and reload(data)).
 * No-op when not a service.
 */
void srv_service_running(nt_loop *loop, nt_task_cb stop, nt_task_cb reload, void *data);

/**
 * Stop posting stop requests to the loop given to srv_service_running():
 * call before that loop is closed (a request from the service manager
 * arrives on another thread, and must not reach a freed loop).
 */
void srv_service_stopping(void);

/** Help text lines for the service options ("" where there are none). */
const char *srv_service_usage(void);

#endif
