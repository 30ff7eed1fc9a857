/* SPDX-License-Identifier: MIT */
/* The rows a buffer's message view shows: each message on its own row,
 * except that a run of two or more consecutive joins, parts, quits and
 * nick changes folds into one summary row ("3 joined, 1 left") that can be
 * opened to show them (then they follow it, marked as inside the fold).
 * NcFoldModel is a GListModel of NcRow over a buffer's messages, kept up
 * to date as messages arrive (in O(1) per appended message) or go. */
#ifndef NC_FOLD_H
#define NC_FOLD_H

#include "model.h"

G_BEGIN_DECLS

/** What a row shows. */
typedef enum {
    NC_ROW_MESSAGE, /* one message */
    NC_ROW_FOLD,    /* the summary of a run of join/part/quit/nick lines */
} NcRowKind;

#define NC_TYPE_ROW (nc_row_get_type())
G_DECLARE_FINAL_TYPE(NcRow, nc_row, NC, ROW, GObject)

/** The row's kind. */
NcRowKind nc_row_get_kind(NcRow *self);
/** The message shown (a fold's: the first of its run). */
NcMessage *nc_row_get_message(NcRow *self);
/** Messages the row stands for: 1, or the length of a fold's run. */
guint nc_row_get_count(NcRow *self);
/** Is the fold open (its messages shown after it)?  FALSE for a message. */
gboolean nc_row_get_expanded(NcRow *self);
/** Is this message row one of an open fold's? */
gboolean nc_row_get_in_fold(NcRow *self);
/** A fold's summary ("3 joined, 1 left"); NULL for a message row. */
const char *nc_row_get_summary(NcRow *self);

#define NC_TYPE_FOLD_MODEL (nc_fold_model_get_type())
G_DECLARE_FINAL_TYPE(NcFoldModel, nc_fold_model, NC, FOLD_MODEL, GObject)

/** Rows over messages (a GListModel of NcMessage, oldest first). */
NcFoldModel *nc_fold_model_new(GListModel *messages);

/**
 * Open or close the fold row (an NcRow of this model; other rows are
 * ignored).  A fold stays open while its run grows.
 * @return whether row was a fold of this model
 */
gboolean nc_fold_model_set_expanded(NcFoldModel *self, NcRow *row, gboolean expanded);

/**
 * The summary of a run with these counts, as a fold row shows it: "3
 * joined, 1 left, 2 quit, 1 nick change" (zero counts left out).
 */
char *nc_fold_summary(guint joins, guint parts, guint quits, guint nicks);

G_END_DECLS
#endif
