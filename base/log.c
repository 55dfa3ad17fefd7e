/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "base/log.h"

static enum log_level log_level = LOG_LEVEL_INFO;
static bool log_journal;

void
log_init(enum log_level level)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	log_level = level;
	/* the journal is standard error's only when JOURNAL_STREAM ("DEV:INODE")
	 * names the very file: a child of a service may inherit the variable
	 * with its standard error sent elsewhere */
	log_journal = stream != NULL && sscanf(stream, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

static const char *const log_level_texts[] = {
	[LOG_LEVEL_ERROR] = "error", [LOG_LEVEL_WARN] = "warn", [LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug"
};
const struct name_table log_level_names = NAME_TABLE(log_level_texts);

/* Sets iov[*n] to "NAME=value" in f (of size fsz, cut there) when value is
 * not NULL. */
static void
journal_field(struct iovec *iov, int *n, char *f, size_t fsz, const char *name,
    const char *value)
{
	int len;

	if (value == NULL)
		return;
	len = snprintf(f, fsz, "%s=%s", name, value);
	iov[*n].iov_base = f;
	iov[(*n)++].iov_len = len < 0 ? 0 : (size_t)len < fsz ? (size_t)len : fsz - 1;
}

/* Sends line to the journal with its priority and the fields of about (a
 * field's value may hold any byte but NUL: sd_journal_sendv sends each
 * with its length; a long one is cut).  0, or what sd_journal_sendv
 * returned (negative) when it failed. */
static int
journal_send(int prio, const struct log_about *about, const char *line)
{
	char message[4200], priority[32], ident[32], input[48], kind[96], code[96], order[320];
	char num[24];
	struct iovec iov[7];
	int n = 0;

	snprintf(num, sizeof num, "%d", prio);
	journal_field(iov, &n, message, sizeof message, "MESSAGE", line);
	journal_field(iov, &n, priority, sizeof priority, "PRIORITY", num);
	journal_field(iov, &n, ident, sizeof ident, "SYSLOG_IDENTIFIER", "sluice");
	if (about != NULL) {
		snprintf(num, sizeof num, "%lld", about->input);
		journal_field(iov, &n, input, sizeof input, "SLUICE_INPUT",
		    about->input > 0 ? num : NULL);
		journal_field(iov, &n, kind, sizeof kind, "SLUICE_KIND", about->kind);
		journal_field(iov, &n, code, sizeof code, "SLUICE_CODE", about->code);
		journal_field(iov, &n, order, sizeof order, "SLUICE_ORDER", about->order);
	}
	return sd_journal_sendv(iov, n);
}

static void
log_vwrite(enum log_level level, const struct log_about *about, const char *fmt, va_list ap)
{
	/* syslog priorities: err, warning, info, debug */
	static const int prio[] = { 3, 4, 6, 7 };
	static const char *const label[] = { "error", "warning", "info", "debug" };
	char line[4096];

	if (level > log_level)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	if (log_journal && journal_send(prio[level], about, line) >= 0)
		return;
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", prio[level], line);
	else
		fprintf(stderr, "sluice: %s: %s\n", label[level], line);
}

void
log_about(enum log_level level, const struct log_about *about, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, about, fmt, ap);
	va_end(ap);
}

#define LOG_FN(name, level)                     \
	void name(const char *fmt, ...)         \
	{                                       \
		va_list ap;                     \
		va_start(ap, fmt);              \
		log_vwrite(level, NULL, fmt, ap);     \
		va_end(ap);                     \
	}

LOG_FN(log_debug, LOG_LEVEL_DEBUG)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_warn, LOG_LEVEL_WARN)
LOG_FN(log_error, LOG_LEVEL_ERROR)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(70);
}
