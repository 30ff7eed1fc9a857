/* SPDX-License-Identifier: MIT */
/* No service manager integration: systemd and friends supervise natterd as
 * a foreground process (readiness goes through sd_notify in main.c). */
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int srv_service_main(int argc, char **argv, srv_main_fn run)
{
    return run(argc, argv);
}

int srv_service_active(void)
{
    return 0;
}

const char *srv_service_log_path(void)
{
    return NULL;
}

const char *srv_service_state_dir(void)
{
    /* systemd sets it from StateDirectory=; several are ':'-separated and
     * the first is natterd's. */
    static char dir[4096];
    const char *env = getenv("STATE_DIRECTORY");
    if (!env || !env[0])
        return NULL;
    snprintf(dir, sizeof dir, "%.*s", (int)strcspn(env, ":"), env);
    return dir;
}

void srv_service_running(nt_loop *loop, nt_task_cb stop, nt_task_cb reload, void *data)
{
    (void)loop;
    (void)stop;
    (void)reload;
    (void)data;
}

void srv_service_stopping(void) {}

const char *srv_service_usage(void)
{
    return "";
}
