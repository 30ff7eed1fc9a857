/* SPDX-License-Identifier: MIT */
/* Console control events: Windows calls the handler on a thread of its
 * own, so posting to the loop is safe there. */
#include <windows.h>

#include <natter/signal.h>

static nt_loop *signal_loop;
static nt_task_cb terminate_cb;
static void *terminate_data;

static BOOL WINAPI console_handler(DWORD type)
{
    nt_loop *loop = signal_loop;
    if (!loop || !terminate_cb)
        return FALSE;
    nt_loop_post(loop, terminate_cb, terminate_data);
    if (type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT || type == CTRL_SHUTDOWN_EVENT) {
        /* The process ends when this returns: give the loop a moment to
         * say goodbye to its clients. */
        Sleep(2000);
    }
    return TRUE;
}

int nt_signal_watch(nt_loop *loop, nt_signal which, nt_task_cb cb, void *data)
{
    if (!loop || !cb)
        return NT_EINVAL;
    if (which == NT_SIGNAL_RELOAD)
        return NT_ENOTSUP;
    if (which != NT_SIGNAL_TERMINATE)
        return NT_EINVAL;
    if (signal_loop && signal_loop != loop)
        return NT_EINVAL;
    terminate_cb = cb;
    terminate_data = data;
    if (!signal_loop && !SetConsoleCtrlHandler(console_handler, TRUE))
        return NT_EUNKNOWN;
    signal_loop = loop;
    return NT_OK;
}

void nt_signal_unwatch_all(void)
{
    if (!signal_loop)
        return;
    SetConsoleCtrlHandler(console_handler, FALSE);
    signal_loop = NULL;
    terminate_cb = NULL;
    terminate_data = NULL;
}
