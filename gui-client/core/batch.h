/* SPDX-License-Identifier: MIT */
/* IRCv3 batches as a server opens and closes them on one connection:
 * "BATCH +id type params..." ... lines tagged batch=id ... "BATCH -id".
 * Batches nest (a chathistory batch inside a labeled-response one), so a
 * line belongs to its batch and to every batch around that. */
#ifndef NC_BATCH_H
#define NC_BATCH_H

#include "irc-line.h"

G_BEGIN_DECLS

/** One open batch. */
typedef struct {
    char *id;      /* the reference tag */
    char *type;    /* "chathistory", "labeled-response", ... */
    char **params; /* the parameters after the type, NULL-terminated */
    char *parent;  /* the id of the batch it is inside, or NULL */
    char *label;   /* its label tag (labeled-response), or NULL */
} NcBatch;

typedef struct _NcBatches NcBatches;

/** No batches open. */
NcBatches *nc_batches_new(void);

/** Free the set and every open batch; NULL is accepted. */
void nc_batches_free(NcBatches *set);

/** Forget every open batch (a new connection). */
void nc_batches_clear(NcBatches *set);

/**
 * Take a BATCH line: "+id type ..." opens a batch, "-id" closes one.
 * @return the batch it closed (free with nc_batch_free()), or NULL (an
 *         opening, or a close of a batch never opened)
 */
NcBatch *nc_batches_take(NcBatches *set, const NcIrcLine *line);

/**
 * The open batch id, or the nearest batch around it, of type type.
 * @param type the type wanted, or NULL for the batch id itself
 * @return the batch (owned by the set), or NULL
 */
const NcBatch *nc_batches_find(NcBatches *set, const char *id, const char *type);

/** How many batches are open. */
guint nc_batches_count(NcBatches *set);

/** Free a batch nc_batches_take() gave back; NULL is accepted. */
void nc_batch_free(NcBatch *batch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NcBatch, nc_batch_free)

G_END_DECLS
#endif
