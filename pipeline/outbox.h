/*
 * outbox: turns the ledger's queued output rows into files after the
 * commit that queued them.  Each is rendered from the ledger (so a retry
 * writes identical bytes), published atomically, the folders fsynced, and
 * only then marked published.  A crash anywhere in between publishes the
 * row again on the next run: the file appears whole, once by name.
 */
#ifndef SLUICE_OUTBOX_H
#define SLUICE_OUTBOX_H

#include "pipeline/spool.h"
#include "stages/document.h"

/* Publishes every pending row.  Returns 0, or -1 (rows stay pending). */
int outbox_publish(const struct render_ctx *r, struct spool *sp);

#endif
