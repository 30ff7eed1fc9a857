/* SPDX-License-Identifier: MIT */
/* Conversation logs on disk: one plain-text file per network, buffer and
 * day (<dir>/<network>/<buffer>/YYYY-MM-DD.log, local time), readable by
 * people and grep, and the last lines reloaded when a buffer opens.  A
 * saved network's logger puts its lines in a folder named by the
 * network's stable ID, so two servers on one host never share a folder
 * and renaming a network keeps its logs. */
#ifndef NC_LOG_H
#define NC_LOG_H

#include "model.h"

G_BEGIN_DECLS

typedef struct _NcLogger NcLogger;

/**
 * A logger writing under dir.
 * @param dir the top folder, or NULL for g_get_user_data_dir()/natter/logs
 */
NcLogger *nc_logger_new(const char *dir);

/**
 * A logger for one saved network: every line goes under
 * <dir>/<network_id>/, whatever network name the calls below are given
 * (the display name the client passes may be a host that another network
 * shares, or change).
 * @param dir the top folder, or NULL for the default (as nc_logger_new())
 * @param network_id the network's stable ID (a safe file name)
 */
NcLogger *nc_logger_new_for_network(const char *dir, const char *network_id);

/**
 * Give the logs kept under a network name (natter 1.x named the folder
 * after the server's host) to a network ID: the folder is renamed, once,
 * so nc_logger_new_for_network(dir, network_id) reads them.  Nothing
 * happens when there is no such folder or the ID's folder exists.
 * @param dir the top folder, or NULL for the default
 * @return TRUE when the folder was moved
 */
gboolean nc_logger_adopt_folder(const char *dir, const char *network, const char *network_id);

/** Close the open files and free; NULL is accepted. */
void nc_logger_free(NcLogger *logger);

/** The top folder logs go to. */
const char *nc_logger_get_dir(NcLogger *logger);

/**
 * The file a buffer's lines of the day of time_us go to.  Names are folded
 * to lower case and made safe as file names.
 * @return a newly allocated path
 */
char *nc_logger_path(NcLogger *logger, const char *network, const char *buffer, gint64 time_us);

/**
 * Turn writing on or off (the "logging" setting).  Off, nc_logger_write()
 * writes nothing and the open files are closed; what is on disk stays
 * readable (nc_logger_tail still reloads it).
 */
void nc_logger_set_enabled(NcLogger *logger, gboolean enabled);

/**
 * Append one message (flushed at once, so a crash loses nothing and other
 * programs see it).  Status and history lines are not logged.  A message
 * with the server's msgid is written "[date time.ms msgid=ID] text",
 * others "[date time] text", as before.
 * @return TRUE when written
 */
gboolean nc_logger_write(NcLogger *logger, const char *network, const char *buffer, NcMessage *msg);

/**
 * The last n logged lines of a buffer, in time order, looking back
 * through the newest files: as the messages they were (kind, sender,
 * text, msgid when logged with one; NC_MSG_HISTORY for a line of
 * another form), so they show as they did live.
 * @return a GPtrArray of NcMessage (free with g_ptr_array_unref)
 */
GPtrArray *nc_logger_tail(NcLogger *logger, const char *network, const char *buffer, guint n);

/**
 * A message as one line of text without time: "<nick> text",
 * "* nick text", "-nick- text" or "--> text" for events.
 * @return a newly allocated string
 */
char *nc_message_format_plain(NcMessage *msg);

G_END_DECLS
#endif
