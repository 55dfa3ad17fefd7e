/* SPDX-License-Identifier: ISC */
/*
 * metrics: what a monitoring system scrapes of a spool, in Prometheus' text
 * exposition format (version 0.0.4): inputs by kind and outcome, the
 * backlog and its oldest file, deferred inputs, documents issued, orders
 * awaiting payment, the last batch, the outbox and the disk.  `sluice
 * metrics` prints it; the daemon keeps it in metrics_file.
 */
#ifndef SLUICE_METRICS_H
#define SLUICE_METRICS_H

#include "pipeline/ledger/ledger.h"
#include "pipeline/spool.h"

/* Appends the metrics of the spool sp and its ledger l to out.  0, or -1
 * (logged) when the ledger or a folder could not be read. */
int metrics_render(struct spool *sp, struct ledger *l, struct buf *out);

/* Replaces the file path by text atomically, the way node_exporter's
 * textfile collector reads it: a temporary file in the same folder
 * (a name the collector skips), fsynced, mode 0644, renamed over path.
 * It writes nothing in the spool sp (its ledger, its secret, in/ ...), and
 * replaces no file that is not empty and holds no metrics of sluice's.
 * 0; or -1 with why (whysz bytes) saying what failed or why it was not
 * written, nothing logged (the daemon says it once per kind of failure);
 * no temporary file is left. */
int metrics_write_file(struct spool *sp, const char *path, const struct buf *text, char *why,
    size_t whysz);

#endif
