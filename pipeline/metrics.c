/* SPDX-License-Identifier: ISC */
/*
 * metrics: a spool's metrics in Prometheus' text format (metrics.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "pipeline/metrics.h"

/* The outcomes an input's counter counts (a deferred input has none yet). */
static const enum input_status outcomes[] = { INPUT_ACCEPTED, INPUT_DUPLICATE, INPUT_REJECTED };

/* What the ledger and the folders say of each kind. */
struct kind_metrics {
	int64_t inputs[KIND__COUNT][INPUT_REJECTED + 1];
	size_t backlog[KIND__COUNT];
	int64_t oldest_ns[KIND__COUNT];    /* 0: no backlog */
	bool unlisted[KIND__COUNT];        /* backlog unknown: in/<kind>/ is closed to this user */
	struct buf odd;        /* inputs of kinds this sluice does not know */
};

/* Appends value as a label value: \, " and a line feed escaped. */
static void
label_value(struct buf *out, const char *value)
{
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			buf_putc(out, '\\');
		if (*p == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *p);
	}
}

/* Appends the # HELP and # TYPE lines of a metric. */
static void
family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Appends one sample of metric name with the label label="value" (none
 * when label is NULL). */
static void
sample(struct buf *out, const char *name, const char *label, const char *value, int64_t n)
{
	buf_puts(out, name);
	if (label != NULL) {
		buf_printf(out, "{%s=\"", label);
		label_value(out, value);
		buf_puts(out, "\"}");
	}
	buf_printf(out, " %" PRId64 "\n", n);
}

static int
count_inputs(void *ctx, const char *kind, enum input_status status, int64_t n)
{
	struct kind_metrics *m = ctx;
	const struct kind_def *k = kind_by_name(kind);

	if (k != NULL) {
		m->inputs[k->kind][status] = n;
		return 0;
	}
	/* a kind of a later sluice: shown as it is named */
	buf_puts(&m->odd, "sluice_inputs_total{kind=\"");
	label_value(&m->odd, kind);
	buf_printf(&m->odd, "\",outcome=\"%s\"} %" PRId64 "\n", input_status_name(status), n);
	return 0;
}

/* Notes a backlog file of kind k that came at ns. */
static void
backlog_add(struct kind_metrics *m, enum kind k, int64_t ns)
{
	m->backlog[k]++;
	if (m->oldest_ns[k] == 0 || ns < m->oldest_ns[k])
		m->oldest_ns[k] = ns;
}

/* Counts the backlog of kind k: the files waiting in in/<kind>/ (since
 * they last changed) and those claimed in work/<kind>/ that are not
 * deferred (since they were received).  0, or -1. */
static int
count_backlog(struct spool *sp, struct ledger *l, enum kind k, struct kind_metrics *m)
{
	struct spool_entry *e;
	char **names;
	size_t n;
	int ret = 0;

	if (m->unlisted[k])
		return 0;
	if (spool_scan(sp, k, &e, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		backlog_add(m, k, e[i].changed_ns);
	spool_entries_free(e, n);
	if (spool_work_list(sp, k, &names, &n) != 0)
		return -1;
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct input_row row = { 0 };
		int64_t received;
		const char *name;
		int found = ledger_input_by_work_name(l, names[i], &row);

		if (found < 0)
			ret = -1;
		else if ((!found || row.status != INPUT_DEFERRED) &&
		    spool_work_name_parse(names[i], &received, &name) == 0)
			backlog_add(m, k, received);
		ledger_input_clear(&row);
	}
	spool_names_free(names, n);
	return ret;
}

static void
render_kinds(const struct kind_metrics *m, int64_t now, struct buf *out)
{
	family(out, "sluice_inputs_total", "counter",
	    "Inputs decided, by kind and outcome (from the ledger).");
	for (int k = 0; k < KIND__COUNT; k++)
		for (size_t o = 0; o < NELEM(outcomes); o++)
			buf_printf(out, "sluice_inputs_total{kind=\"%s\",outcome=\"%s\"} %" PRId64 "\n",
			    kind_get((enum kind)k)->plural, input_status_name(outcomes[o]),
			    m->inputs[k][outcomes[o]]);
	buf_puts(out, buf_str(&m->odd));
	family(out, "sluice_deferred_inputs", "gauge",
	    "Inputs deferred: claimed, waiting for what they refer to.");
	for (int k = 0; k < KIND__COUNT; k++)
		sample(out, "sluice_deferred_inputs", "kind", kind_get((enum kind)k)->plural,
		    m->inputs[k][INPUT_DEFERRED]);
	family(out, "sluice_backlog_files", "gauge",
	    "Files waiting in in/<kind>/ plus those claimed in work/<kind>/ and not deferred.");
	for (int k = 0; k < KIND__COUNT; k++)
		if (!m->unlisted[k])
			sample(out, "sluice_backlog_files", "kind", kind_get((enum kind)k)->plural,
			    (int64_t)m->backlog[k]);
	family(out, "sluice_backlog_oldest_seconds", "gauge",
	    "Age of the oldest file of the backlog in seconds (0 when there is none).");
	for (int k = 0; k < KIND__COUNT; k++) {
		int64_t age = m->oldest_ns[k] > 0 && now > m->oldest_ns[k] ?
		    (now - m->oldest_ns[k]) / 1000000000 : 0;

		if (!m->unlisted[k])
			sample(out, "sluice_backlog_oldest_seconds", "kind",
			    kind_get((enum kind)k)->plural, age);
	}
}

/* The last batch's metrics: its duration and speed (0 before the first). */
static void
render_batch(const struct batch_stats *b, struct buf *out)
{
	double secs = (double)b->duration_ns / 1e9;

	family(out, "sluice_last_batch_duration_seconds", "gauge",
	    "How long the last batch of inputs took to apply, its commit not counted.");
	buf_printf(out, "sluice_last_batch_duration_seconds %.9f\n", secs);
	family(out, "sluice_last_batch_records_per_second", "gauge",
	    "Records the last batch applied per second.");
	buf_printf(out, "sluice_last_batch_records_per_second %.3f\n",
	    b->duration_ns > 0 ? (double)b->records / secs : 0.0);
	family(out, "sluice_last_batch_files", "gauge", "Input files of the last batch.");
	sample(out, "sluice_last_batch_files", NULL, NULL, b->files);
}

int
metrics_render(struct spool *sp, struct ledger *l, struct buf *out)
{
	struct kind_metrics m = { 0 };
	struct batch_stats batch;
	int64_t *docs = xcalloc(document_type_names.n, sizeof *docs);
	int64_t awaiting, pending, now = now_ns();
	int ret = -1;

	if (ledger_input_counts_by_kind(l, count_inputs, &m) != 0 ||
	    ledger_document_counts(l, docs) != 0 || ledger_orders_awaiting_payment(l, &awaiting) != 0 ||
	    ledger_outbox_pending_count(l, &pending) != 0 || ledger_last_batch(l, &batch) < 0)
		goto out;
	spool_unlisted_in(sp, m.unlisted);
	for (int k = 0; k < KIND__COUNT; k++)
		if (count_backlog(sp, l, (enum kind)k, &m) != 0)
			goto out;
	render_kinds(&m, now, out);
	family(out, "sluice_documents_total", "counter", "Documents issued, by type.");
	for (size_t t = 0; t < document_type_names.n; t++)
		sample(out, "sluice_documents_total", "type", document_type_name((enum document_type)t),
		    docs[t]);
	family(out, "sluice_orders_awaiting_payment", "gauge",
	    "Orders whose authorization does not yet cover what they are due.");
	sample(out, "sluice_orders_awaiting_payment", NULL, NULL, awaiting);
	render_batch(&batch, out);
	family(out, "sluice_outbox_pending", "gauge", "Outputs queued and not yet written to out/.");
	sample(out, "sluice_outbox_pending", NULL, NULL, pending);
	family(out, "sluice_disk_free_bytes", "gauge",
	    "Bytes free for sluice on the spool's file system.");
	sample(out, "sluice_disk_free_bytes", NULL, NULL, spool_free_bytes(sp));
	ret = 0;
out:
	free(docs);
	buf_free(&m.odd);
	return ret;
}

/* What every metrics file sluice writes begins with. */
static const char metrics_head[] = "# HELP sluice_";

/* Whether the entry name of the folder dirfd may be replaced by a metrics
 * file: it is none, or no regular file, or empty, or one sluice wrote (it
 * begins as metrics_render() begins). */
static bool
replaceable(int dirfd, const char *name)
{
	char head[sizeof metrics_head - 1];
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return true;
	ok = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    (read(fd, head, sizeof head) == (ssize_t)sizeof head &&
	    memcmp(head, metrics_head, sizeof head) == 0);
	close(fd);
	return ok;
}

int
metrics_write_file(struct spool *sp, const char *path, const struct buf *text, char *why,
    size_t whysz)
{
	const char *slash = strrchr(path, '/'), *name = slash != NULL ? slash + 1 : path;
	/* the folder: "/" for a file of the root, "." for a bare name */
	char *dir = slash == path ? xstrdup("/") : slash != NULL ?
	    xasprintf("%.*s", (int)(slash - path), path) : xstrdup(".");
	/* the collector reads only names ending in .prom */
	char *tmp = xasprintf("%s.%ld.tmp", name, (long)getpid());
	const char *step = "open its folder";
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1, in_spool, ret = -1;
	bool made = false;     /* tmp exists */

	if (dirfd < 0)
		goto failed;
	step = "look for the spool above it";
	if ((in_spool = spool_holds_dir(sp, dirfd)) < 0)
		goto failed;
	if (in_spool) {
		snprintf(why, whysz, "it is in the spool %s, whose files are sluice's own: set "
		    "metrics_file outside it", spool_root(sp));
		goto out;
	}
	if (!replaceable(dirfd, name)) {
		snprintf(why, whysz, "a file there holds something else than sluice's metrics, "
		    "and is left as it is");
		goto out;
	}
	step = "create";
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		goto failed;
	made = true;
	step = "write";
	/* fchmod: the umask narrows what open() gives */
	if (fchmod(fd, 0644) != 0 || write_all(fd, text->data, text->len) != 0 || fsync(fd) != 0)
		goto failed;
	if (close(fd) != 0) {
		fd = -1;
		goto failed;
	}
	fd = -1;
	step = "rename";
	if (renameat(dirfd, tmp, dirfd, name) != 0)
		goto failed;
	ret = 0;
	goto out;
failed:
	snprintf(why, whysz, "%s: %s", step, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (made)
		unlinkat(dirfd, tmp, 0);
out:
	if (dirfd >= 0)
		close(dirfd);
	free(dir);
	free(tmp);
	return ret;
}
