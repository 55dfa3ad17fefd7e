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
 * 0; or -1 with errno set and *step naming what failed ("create", "write",
 * "rename"), nothing logged (the daemon says it once per kind of failure);
 * no temporary file is left. */
int metrics_write_file(const char *path, const struct buf *text, const char **step);

#endif
