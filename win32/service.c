/* SPDX-License-Identifier: MIT */
/* natterd as a Windows service: install/uninstall/start/stop from its own
 * command line, and the service body that the Service Control Manager
 * starts with --service.  The daemon itself is the same code as the
 * console program; a stop request is posted to its loop like Ctrl-C, and
 * a "paramchange" control (--service-reload, `sc control natterd
 * paramchange`) like SIGHUP: the configuration and TLS certificate are
 * read again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <shlobj.h>

#include "service.h"

#define SERVICE_NAME L"natterd"
#define SERVICE_DISPLAY L"Natter chat server"

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static int service_mode;
static srv_main_fn service_run;
static int service_argc;
static char **service_argv;
/* Where stop requests go; guarded by stop_lock, because the control
 * handler runs on the service manager's thread. */
static SRWLOCK stop_lock = SRWLOCK_INIT;
static nt_loop *stop_loop;
static nt_task_cb stop_cb;
static nt_task_cb reload_cb;
static void *stop_data;
static char log_path[MAX_PATH];

static void report(DWORD state, DWORD exit_code)
{
    status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    status.dwCurrentState = state;
    status.dwWin32ExitCode = exit_code;
    status.dwControlsAccepted =
        state == SERVICE_RUNNING
            ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PARAMCHANGE
            : 0;
    status.dwWaitHint = state == SERVICE_RUNNING ? 0 : 5000;
    SetServiceStatus(status_handle, &status);
}

static DWORD WINAPI control_handler(DWORD control, DWORD type, LPVOID data, LPVOID ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    if (control == SERVICE_CONTROL_STOP || control == SERVICE_CONTROL_SHUTDOWN) {
        report(SERVICE_STOP_PENDING, NO_ERROR);
        AcquireSRWLockExclusive(&stop_lock);
        if (stop_loop && stop_cb)
            nt_loop_post(stop_loop, stop_cb, stop_data);
        ReleaseSRWLockExclusive(&stop_lock);
        return NO_ERROR;
    }
    if (control == SERVICE_CONTROL_PARAMCHANGE) {
        AcquireSRWLockExclusive(&stop_lock);
        if (stop_loop && reload_cb)
            nt_loop_post(stop_loop, reload_cb, stop_data);
        ReleaseSRWLockExclusive(&stop_lock);
        return NO_ERROR;
    }
    return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv)
{
    (void)argc;
    (void)argv;
    status_handle = RegisterServiceCtrlHandlerExW(SERVICE_NAME, control_handler, NULL);
    if (!status_handle)
        return;
    report(SERVICE_START_PENDING, NO_ERROR);
    int rc = service_run(service_argc, service_argv);
    report(SERVICE_STOPPED, rc == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR);
}

/* The log goes next to the configuration: %ProgramData%\Natter\natterd.log.
 * Asked of the shell, not the environment: a service's environment need
 * not have ProgramData. */
static void init_log_path(void)
{
    char base[MAX_PATH];
    if (SHGetFolderPathA(NULL, CSIDL_COMMON_APPDATA, NULL, 0, base) != S_OK)
        strcpy(base, "C:\\ProgramData");
    snprintf(log_path, sizeof log_path, "%s\\Natter", base);
    CreateDirectoryA(log_path, NULL);
    strncat(log_path, "\\natterd.log", sizeof log_path - strlen(log_path) - 1);
}

static int fail(const char *what)
{
    fprintf(stderr, "natterd: %s failed (Windows error %lu)\n", what,
            (unsigned long)GetLastError());
    return 1;
}

static int install(int argc, char **argv, int first_arg)
{
    wchar_t exe[MAX_PATH];
    if (!GetModuleFileNameW(NULL, exe, MAX_PATH))
        return fail("GetModuleFileName");
    /* The command line the SCM will run: "natterd.exe" --service [args]. */
    wchar_t cmd[4096];
    int n = swprintf(cmd, 4096, L"\"%ls\" --service", exe);
    for (int i = first_arg; i < argc && n > 0 && n < 4000; i++)
        n += swprintf(cmd + n, (size_t)(4096 - n), L" \"%hs\"", argv[i]);
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CREATE_SERVICE);
    if (!scm)
        return fail("OpenSCManager (run as administrator)");
    SC_HANDLE svc =
        CreateServiceW(scm, SERVICE_NAME, SERVICE_DISPLAY, SERVICE_ALL_ACCESS,
                       SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, cmd,
                       NULL, NULL, NULL, L"NT AUTHORITY\\LocalService", NULL);
    if (!svc) {
        CloseServiceHandle(scm);
        return fail("CreateService");
    }
    SERVICE_DESCRIPTIONW desc = {L"IRC-compatible chat server (natterd)"};
    ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &desc);
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    printf("service installed\n");
    return 0;
}

static int control(const char *what)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    if (!scm)
        return fail("OpenSCManager");
    SC_HANDLE svc = OpenServiceW(scm, SERVICE_NAME, SERVICE_ALL_ACCESS);
    if (!svc) {
        CloseServiceHandle(scm);
        return fail("OpenService");
    }
    BOOL ok;
    SERVICE_STATUS st;
    if (!strcmp(what, "start")) {
        ok = StartServiceW(svc, 0, NULL);
    } else if (!strcmp(what, "stop")) {
        ok = ControlService(svc, SERVICE_CONTROL_STOP, &st);
    } else if (!strcmp(what, "reload")) {
        ok = ControlService(svc, SERVICE_CONTROL_PARAMCHANGE, &st);
    } else {
        ControlService(svc, SERVICE_CONTROL_STOP, &st); /* may not be running */
        ok = DeleteService(svc);
    }
    DWORD err = GetLastError();
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    if (!ok) {
        SetLastError(err);
        return fail(what);
    }
    printf("service %s: done\n", what);
    return 0;
}

int srv_service_main(int argc, char **argv, srv_main_fn run)
{
    if (argc >= 2 && !strcmp(argv[1], "--service-install"))
        return install(argc, argv, 2);
    if (argc >= 2 && !strcmp(argv[1], "--service-uninstall"))
        return control("uninstall");
    if (argc >= 2 && !strcmp(argv[1], "--service-start"))
        return control("start");
    if (argc >= 2 && !strcmp(argv[1], "--service-stop"))
        return control("stop");
    if (argc >= 2 && !strcmp(argv[1], "--service-reload"))
        return control("reload");
    if (argc >= 2 && !strcmp(argv[1], "--service")) {
        service_mode = 1;
        service_run = run;
        /* The daemon sees its own arguments, without --service. */
        argv[1] = argv[0];
        service_argc = argc - 1;
        service_argv = argv + 1;
        init_log_path();
        SERVICE_TABLE_ENTRYW table[] = {{(LPWSTR)SERVICE_NAME, service_main}, {NULL, NULL}};
        if (!StartServiceCtrlDispatcherW(table))
            return fail("StartServiceCtrlDispatcher (--service is for the service manager)");
        return 0;
    }
    return run(argc, argv);
}

int srv_service_active(void)
{
    return service_mode;
}

const char *srv_service_log_path(void)
{
    return service_mode ? log_path : NULL;
}

const char *srv_service_state_dir(void)
{
    /* The log's folder (init_log_path() made it): natterd.db beside
     * natterd.conf and natterd.log. */
    static char dir[MAX_PATH];
    if (!service_mode)
        return NULL;
    snprintf(dir, sizeof dir, "%s", log_path);
    char *slash = strrchr(dir, '\\');
    if (slash)
        *slash = '\0';
    return dir;
}

void srv_service_running(nt_loop *loop, nt_task_cb stop, nt_task_cb reload, void *data)
{
    if (!service_mode)
        return;
    AcquireSRWLockExclusive(&stop_lock);
    stop_loop = loop;
    stop_cb = stop;
    reload_cb = reload;
    stop_data = data;
    ReleaseSRWLockExclusive(&stop_lock);
    report(SERVICE_RUNNING, NO_ERROR);
}

void srv_service_stopping(void)
{
    AcquireSRWLockExclusive(&stop_lock);
    stop_loop = NULL;
    ReleaseSRWLockExclusive(&stop_lock);
}

const char *srv_service_usage(void)
{
    return "\nWindows service:\n"
           "      --service-install [ARGS]  register natterd as a service that\n"
           "                                starts with ARGS (e.g. --config FILE)\n"
           "      --service-uninstall       stop and remove the service\n"
           "      --service-start           start the service\n"
           "      --service-stop            stop the service\n"
           "      --service-reload          make the service re-read its\n"
           "                                configuration and certificate\n";
}
