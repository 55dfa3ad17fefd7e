/* SPDX-License-Identifier: ISC */
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

struct workers;

/* Publishes every pending row, the PDFs drawn on w's threads.  Returns 0,
 * or -1 (rows stay pending). */
int outbox_publish(const struct render_ctx *r, struct spool *sp, struct workers *w);

/* Where the receipt of the input of kind named name, received at
 * received_ns, is written: out/receipts/<kind>/<name>.receipt.xml, unless
 * an input of that kind and name received later is in the ledger, when
 * the name carries its time of receipt (spool_receipt_path()), so that an
 * input decided late never replaces the receipt of a later one.  A new
 * string, or NULL when the ledger failed. */
char *outbox_receipt_path(struct ledger *l, enum kind kind, const char *name,
    int64_t received_ns);

/* Brings the receipts of a spool of the earlier layout, where every
 * receipt was out/receipts/<name>.receipt.xml, into the folders of their
 * kinds: queued ones get their path now, written ones are moved (their
 * kind is their input's in the ledger).  Each step can be cut off by a
 * crash and taken up again; run again, it finds nothing to do.  0, or -1
 * (logged). */
int outbox_upgrade(const struct render_ctx *r, struct spool *sp);

#endif
