/* SPDX-License-Identifier: ISC */
/*
 * conf: the configuration, one table of every key with its type, default
 * and limits (doc/configuration.md documents the same table).  A file of
 * "key = value" lines overrides the defaults.
 */
#ifndef SLUICE_CONF_H
#define SLUICE_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "base/states.h"
#include "base/util.h"

/* When a shipment is invoiced: when its capture succeeds, or when it is
 * created. */
enum invoice_on { INVOICE_ON_CAPTURE, INVOICE_ON_SHIPMENT };
/* When a shipment's capture is requested: at its creation, when it is
 * marked shipped, or never as a file (made at the PSP by hand). */
enum capture_on { CAPTURE_ON_SHIPMENT, CAPTURE_ON_SHIPPED, CAPTURE_ON_MANUAL };
/* The ledger's SQLite synchronous mode. */
enum sync_mode { SYNC_FULL, SYNC_NORMAL };

struct conf {
	char *spool;                 /* spool root */
	char *ledger;                /* "" = <spool>/ledger.db */
	int64_t quiet_period_ms;
	int64_t scan_interval_ms;
	int64_t max_file_size;
	int64_t max_field_bytes;
	int64_t max_record_lines;
	int64_t max_errors;
	int64_t batch_files;
	int64_t render_threads;
	int64_t defer_expiry_ms;
	enum order_status default_order_status;
	enum invoice_on invoice_on;
	enum capture_on capture_on;
	char *invoice_prefix;
	char *credit_note_prefix;
	char *templates;
	char *default_template;
	char *link_secret_file;
	char *link_url;
	int64_t link_ttl_ms;
	enum sync_mode synchronous;
	enum log_level log_level;
	int64_t in_mode;             /* of the in/ folders sluice makes */
	int64_t out_mode;            /* of the out/ folders sluice makes */
	int64_t retention_documents_ms;  /* invoices and credit notes purge keeps */
	char *metrics_file;          /* the daemon's metrics; "" = none */
	int64_t metrics_interval_ms;
};

/* Fills c with the defaults. */
void conf_defaults(struct conf *c);
/* Reads a configuration file over c.  Every problem is reported to *errs as
 * "FILE:LINE: message" lines; returns 0, or -1 when there were problems. */
int conf_load(struct conf *c, const char *path, struct buf *errs);
/* Sets one key from text (as a file line would); -1 with a message in errs. */
int conf_set(struct conf *c, const char *key, const char *value, struct buf *errs);
/* Re-reads the configuration file path over the defaults into c, but for
 * the keys a reload does not change (the spool, the ledger, the secret's
 * file, the synchronous mode, the folder modes), which keep c's values.
 * Appends "key = value" to *msgs for every key whose value changes (those
 * kept, saying so).  Returns 0; -1 when the file is invalid (each problem
 * appended to *msgs as conf_load does), is no regular file, or sets no
 * key at all (a file caught empty is not taken for the defaults), and c is
 * unchanged. */
int conf_reload(struct conf *c, const char *path, struct buf *msgs);
/* Appends "key = value" for every key, with its effective value. */
void conf_dump(const struct conf *c, struct buf *out);
/* Appends the reference table (key, type, default, limits, meaning) as
 * Markdown, for doc/configuration.md. */
void conf_table_markdown(struct buf *out);
void conf_free(struct conf *c);

#endif
